"""CPU profile decoding (real captures, gzipped or not, hostile bytes) and the command line's
errors, settings and text report."""

from __future__ import annotations

import contextlib
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gotriage import fetch
from gotriage.cli import main
from gotriage.cpu import trace as trace_module
from gotriage.cpu.profile import decode_profile
from gotriage.errors import InputError, ToolchainError


@pytest.fixture(scope="module")
def captured(cpuburn, burn, tmp_path_factory):
    """A 2 s CPU profile and a goroutine profile of cpuburn -mode=gc, saved as files."""
    out = tmp_path_factory.mktemp("cpuprof")
    with burn(cpuburn, "gc") as prog:
        url = prog.url()
        cpu = fetch.fetch_bytes(fetch.pprof_url(url, "profile", "seconds=2"), timeout=60)
        goroutine = fetch.fetch_bytes(fetch.pprof_url(url, "goroutine"), timeout=60)
    files = {"cpu.pb.gz": cpu, "cpu.pb": gzip.decompress(cpu), "goroutine.pb.gz": goroutine}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return out


def test_gzipped_and_plain_decode_alike(captured):
    gz = decode_profile((captured / "cpu.pb.gz").read_bytes())
    plain = decode_profile((captured / "cpu.pb").read_bytes())
    assert gz.kind == plain.kind == "cpu"
    assert gz.samples == plain.samples > 0 and gz.nanos == plain.nanos
    assert gz.period_nanos == 10_000_000  # 100 Hz
    assert sum(s.count for s in gz.stacks) == gz.samples
    assert any(f.function == "main.buildReport" for s in gz.stacks for f in s.frames)


def test_another_kind_of_profile_is_refused(captured):
    with pytest.raises(InputError, match="'goroutine' profile, not a CPU profile"):
        decode_profile((captured / "goroutine.pb.gz").read_bytes())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (b"\x08\x96\x01\x12\x07testing\xff\xff", "not a pprof"),
        (b"\x00\x01\x02", "not a pprof"),
    ],
)
def test_damaged_bytes_are_input_errors(data, message):
    with pytest.raises(InputError, match=message):
        decode_profile(data)


def test_truncated_download(captured):
    data = (captured / "cpu.pb.gz").read_bytes()
    with pytest.raises(InputError):
        decode_profile(data[: len(data) // 2])


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_only_input_errors(data):
    with contextlib.suppress(InputError):
        decode_profile(data)


def test_text_report_has_a_bar_per_category(captured, capsys):
    code = main(["cpu", str(captured / "cpu.pb.gz"), "--no-config", "--color", "never"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "Where the CPU went" in out and "█" in out and "gc-pressure" in out
    assert "fix:" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cpu", "/no/such/profile.pb.gz"], "no such file"),
        (
            ["cpu", "http://127.0.0.1:9/debug/pprof/", "--seconds", "1", "--timeout", "2"],
            "127.0.0.1:9",
        ),
        (["cpu", "http://192.0.2.10:6060/debug/pprof/"], "--confirm-owned"),
        (["cpu", "-", "--base", "-"], "standard input"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, message, capsys):
    assert main([*args, "--no-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_a_log_without_trace_lines_is_an_input_error(tmp_path, capsys):
    log = tmp_path / "app.log"
    log.write_text("2026/12/01 started\n404 page not found\n")
    assert main(["cpu", str(log), "--no-config"]) == 2
    assert "no schedtrace or gctrace line found in 2 lines" in capsys.readouterr().err


def test_an_empty_file_is_an_input_error(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert main(["cpu", str(empty), "--no-config"]) == 2
    assert "empty input" in capsys.readouterr().err


def test_a_trace_without_toolchain_names_the_extra(tmp_path, capsys, monkeypatch):
    def missing():
        raise ToolchainError("no Go toolchain found")

    monkeypatch.setattr(trace_module, "find_toolchain", missing)
    trace = tmp_path / "trace.out"
    trace.write_bytes(b"go 1.26 trace\x00\x00\x00" + b"\x01" * 64)
    assert main(["cpu", str(trace), "--no-config"]) == 2
    err = capsys.readouterr().err
    assert "gotriage[go]" in err and "go tool trace" in err


def test_a_damaged_trace_is_an_input_error(tmp_path, capsys):
    trace = tmp_path / "trace.out"
    trace.write_bytes(b"go 1.26 trace\x00\x00\x00" + b"\x01" * 64)
    assert main(["cpu", str(trace), "--no-config"]) == 2
    assert "go tool trace could not read it" in capsys.readouterr().err


def test_cpu_settings_raise_a_threshold(captured, tmp_path, capsys, monkeypatch):
    config = tmp_path / ".gotriage.toml"
    config.write_text("[cpu]\ngc-percent = 99\n")
    monkeypatch.chdir(tmp_path)
    assert main(["cpu", str(captured / "cpu.pb.gz"), "--format", "json", "-q"]) == 0
    assert '"gc-pressure"' not in capsys.readouterr().out
    config.write_text("[cpu]\ngc-percentage = 5\n")
    assert main(["cpu", str(captured / "cpu.pb.gz"), "-q"]) == 2
    assert "unknown cpu setting 'gc_percentage'" in capsys.readouterr().err
    config.write_text('[cpu]\ngc-percent = "high"\n')
    assert main(["cpu", str(captured / "cpu.pb.gz"), "-q"]) == 2
    assert "gc-percent must be a number" in capsys.readouterr().err


def test_help_teaches(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["cpu", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for word in ("schedtrace", "gctrace", "--trace", "--base", "[cpu]", "exit codes"):
        assert word in out


def test_every_json_field_is_documented(captured, capsys):
    main(["cpu", str(captured / "cpu.pb.gz"), "--format", "json", "-q", "--no-config"])
    doc = json.loads(capsys.readouterr().out)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("## `gotriage cpu SOURCE...`") : readme.index("## Layout")]
    for key in doc:
        assert f"`{key}" in section, key
    for key in doc["categories"][0]:
        assert f"`{key}`" in section or f"`{key}[]`" in section, key
