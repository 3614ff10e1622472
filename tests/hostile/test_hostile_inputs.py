"""Generated hostile inputs: each shape is read in bounded time and memory, with a clear answer.

Parser-level cases run in this process; the ones about the whole process (memory, time, what
is printed) run gotriage in its own process through ``hostile_run``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest
from hostile_run import BASE_MEMORY_MB, SLACK_SECONDS, run_gotriage

from gotriage.errors import InputError
from gotriage.goroutines import parse_proto
from gotriage.goroutines.load import iter_goroutines
from gotriage.goroutines.profile_schema import profile_class
from gotriage.model import DumpFormat, ParseReport

GOOD = "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n"
LONG = "7" * 5000  # int() refuses more than 4,300 digits
SUPER = "\u00b2"  # '²'.isdigit() is true, int('²') fails


def traceback(header: str = "goroutine 5 [chan receive]:", file_line: str = "/src/a.go:20") -> str:
    return f"{GOOD}{header}\nmain.worker()\n\t{file_line} +0x1\nmain.run()\n\t/src/a.go:30 +0x2\n\n"


def debug1(count: str = "2", total: str = "3", line: str = "48", labels: str = "") -> str:
    return (
        f"goroutine profile: total {total}\n1 @ 0x1\n#\t0x1\tmain.main+0x1\t/src/a.go:10\n\n"
        f"{count} @ 0x2\n{labels}#\t0x2\tmain.worker+0x1\t/src/a.go:{line}\n\n"
    )


NUMBERS = {
    "id superscript": traceback(f"goroutine {SUPER} [chan receive]:"),
    "id 5000 digits": traceback(f"goroutine {LONG} [chan receive]:"),
    "id arabic-indic": traceback("goroutine \u0663 [chan receive]:"),
    "minutes superscript": traceback(f"goroutine 5 [chan receive, {SUPER} minutes]:"),
    "minutes 5000 digits": traceback(f"goroutine 5 [chan receive, {LONG} minutes]:"),
    "line superscript": traceback(file_line=f"/src/a.go:{SUPER}"),
    "line 5000 digits": traceback(file_line=f"/src/a.go:{LONG}"),
    "creator superscript": GOOD
    + f"goroutine 5 [select]:\nmain.w()\n\t/a.go:1 +0x1\ncreated by main.main in goroutine {SUPER}"
    "\n\t/a.go:2 +0x1\n\n",
    "debug1 count superscript": debug1(count=SUPER),
    "debug1 count 5000 digits": debug1(count=LONG),
    "debug1 line superscript": debug1(line=SUPER),
    "debug1 line 5000 digits": debug1(line=LONG),
    "debug1 label escape": debug1(labels='# labels: {"k":"\\x\u0663\u0663"}\n'),
    "debug1 label surrogate": debug1(labels='# labels: {"k":"\\ud800"}\n'),
}


@pytest.mark.parametrize("text", NUMBERS.values(), ids=NUMBERS.keys())
def test_bad_number_is_a_parse_issue(text: str):
    report = ParseReport()
    goroutines = list(iter_goroutines([text.encode()], report, source="d"))
    assert goroutines and report.issues, "the bad line must be reported, the rest still read"


@pytest.mark.parametrize("total", [SUPER, LONG])
def test_bad_debug1_total_is_an_input_error(total: str):
    with pytest.raises(InputError, match="goroutine profile: total N"):
        list(iter_goroutines([debug1(total=total).encode()], ParseReport(), source="d"))


def test_bad_numbers_through_the_command(tmp_path: Path):
    dump = tmp_path / "numbers.txt"
    dump.write_text("".join(t for t in NUMBERS.values() if not t.startswith("goroutine profile")))
    run = run_gotriage("goroutines", str(dump), "--format", "json")
    assert run.code == 0 and "Traceback" not in run.err  # 1 would claim suspects
    assert json.loads(run.out)["parse_issues"]


def test_nul_bytes_do_not_make_a_log_a_protobuf():
    data = b"\x00\x00 log line with NULs \x01\x02\n" + traceback().encode()
    report = ParseReport()
    assert [g.id for g in iter_goroutines([data], report)] == [1, 5]
    assert report.format is DumpFormat.TRACEBACK


# -- protobuf -----------------------------------------------------------------------------------


def gzip_bomb(path: Path, mib: int) -> Path:
    """A gzip file of ``mib`` MiB of zeros, built from one deflated MiB repeated."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(bytes(1 << 20)) + deflate.flush(zlib.Z_SYNC_FLUSH)
    with path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
        for _ in range(mib):
            out.write(segment)
        out.write(b"\x01\x00\x00\xff\xff" + bytes(8))  # final block; trailer never checked
    return path


def test_gzip_bomb_is_refused_at_the_cap(tmp_path: Path):
    bomb = gzip_bomb(tmp_path / "bomb.pb.gz", 5 << 10)  # 5 MB that inflates to 5 GiB
    assert bomb.stat().st_size < 6 << 20
    run = run_gotriage("goroutines", str(bomb))
    assert run.code == 2
    assert "gzip data inflates to more than 128 MiB" in run.one_line_error()
    assert run.seconds < SLACK_SECONDS * 2
    assert run.peak_mb < 500  # the cap and a little, not the 5 GiB


def test_gunzip_stops_at_the_cap_in_pieces():
    data = gzip_bomb_bytes(64)
    with pytest.raises(InputError, match="more than 1 MiB"):
        parse_proto.gunzip_chunks(iter([data[:100], data[100:]]), max_size=1 << 20)
    assert parse_proto.gunzip(gzip.compress(b"abc" * 1000)) == b"abc" * 1000


def gzip_bomb_bytes(mib: int) -> bytes:
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    return deflate.compress(bytes(mib << 20)) + deflate.flush()


def profile(stack_depth: int = 3, value: int = 1, labels: int = 0) -> bytes:
    built = profile_class()()
    built.string_table.extend(["", "goroutine", "count", "main.f", "/src/a.go", "k", "v"])
    built.sample_type.add(type=1, unit=2)
    built.function.add(id=1, name=3, filename=4)
    for loc in range(1, stack_depth + 1):
        built.location.add(id=loc, address=loc).line.add(function_id=1, line=loc)
    sample = built.sample.add(value=[value], location_id=range(1, stack_depth + 1))
    for _ in range(labels):
        sample.label.add(key=5, str=6)
    built.sample.add(value=[2], location_id=[1])
    return gzip.compress(built.SerializeToString())


def test_frames_per_sample_are_bounded():
    report = ParseReport()
    deep, shallow = iter_goroutines([profile(stack_depth=50_000)], report)
    assert len(deep.frames) == parse_proto.MAX_FRAMES_PER_SAMPLE and deep.frames_elided
    assert deep.frames[0].line == 1  # the innermost are kept
    assert shallow.count == 2 and "more than 1024 frames" in report.issues[0].message


def test_labels_per_sample_are_bounded():
    report = ParseReport()
    many, _ = iter_goroutines([profile(labels=10_000)], report)
    assert len(many.labels) == parse_proto.MAX_LABELS_PER_SAMPLE and report.issues


def test_negative_count_is_a_parse_issue():
    report = ParseReport()
    (kept,) = iter_goroutines([profile(value=-5)], report)
    assert kept.count == 2 and "negative goroutine count (-5)" in report.issues[0].message


def test_deep_profile_through_the_command(tmp_path: Path):
    path = tmp_path / "deep.pb.gz"
    path.write_bytes(profile(stack_depth=200_000))
    run = run_gotriage("goroutines", str(path), "--format", "json")
    assert run.code in (0, 1) and "Traceback" not in run.err
    assert "more than 1024 frames" in run.out
    assert run.peak_mb < BASE_MEMORY_MB * 2


# -- source lookup ------------------------------------------------------------------------------


def crowd(file: str) -> str:
    """A leak suspect blocked at ``file``:20, so the report looks its source up."""
    return GOOD + "".join(
        f"goroutine {n} [chan send, 30 minutes]:\nmain.leak()\n\t{file}:20 +0x1\n\n"
        for n in range(2, 40)
    )


def test_deep_source_path_is_linear(tmp_path: Path):
    # As deep as a frame line can be: longer file lines are not read as frames at all.
    deep = "/" + "/".join(["d"] * 4_000) + "/main.go"
    dump = tmp_path / "deep.txt"
    dump.write_text(crowd(deep))
    run = run_gotriage("goroutines", str(dump), "--source-root", str(tmp_path))
    assert run.code == 1 and "Traceback" not in run.err
    assert run.seconds < SLACK_SECONDS
    assert run.peak_mb < BASE_MEMORY_MB


def test_only_go_files_are_shown(tmp_path: Path):
    secret = tmp_path / "home" / ".aws" / "credentials"
    secret.parent.mkdir(parents=True)
    secret.write_text("\n".join(f"aws_secret_access_key = SECRET{n}" for n in range(40)))
    dump = tmp_path / "dump.txt"
    dump.write_text(crowd(str(secret)))
    for args in ([], ["--source-root", str(tmp_path)], ["--format", "json"]):
        run = run_gotriage("goroutines", str(dump), *args)
        assert run.code == 1 and "Traceback" not in run.err  # the crowd is still a suspect
        assert "SECRET" not in run.out
