"""The command line: one clear line and exit 2 for every user mistake, never a traceback."""

import pytest

from gotriage.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["goroutines", "/no/such/dump.txt"], "/no/such/dump.txt"),
        (["goroutines", "http://127.0.0.1:9/debug/pprof/", "--timeout", "2"], "127.0.0.1:9"),
        (["goroutines", "-", "--base", "-"], "standard input"),
        (["goroutines", "x.txt", "--source-root", "/no/such/dir"], "not a directory"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_garbage_input_is_an_input_error(tmp_path, capsys):
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01not a goroutine dump\n" * 10)
    assert main(["goroutines", str(garbage)]) == 2
    assert "garbage.bin" in capsys.readouterr().err


def test_help_teaches(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["goroutines", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for word in ("debug=2", "--base", "--source-root", "exit codes", "goroutineleak"):
        assert word in out


def test_size_cap_names_the_option(tmp_path, capsys):
    dump = tmp_path / "dump.txt"
    dump.write_text("goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n" * 100)
    assert main(["goroutines", str(dump), "--max-bytes", "1K"]) == 2
    err = capsys.readouterr().err
    assert "--max-bytes" in err and "cap" in err


def test_bad_size_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["goroutines", "x.txt", "--max-bytes", "lots"])
    assert exit_.value.code == 2
    assert "not a size" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--growth-rate", "nan", "finite"),
        ("--growth-rate", "-1", "finite"),
        ("--growth-rate", "fast", "not a number"),
        ("--growth-min", "0", "1 or more"),
        ("--interval", "0", "more than 0"),
        ("--interval", "soon", "soon"),
    ],
)
def test_bad_growth_options_are_usage_errors(capsys, option, value, message):
    with pytest.raises(SystemExit) as exit_:
        main(["goroutines", "x.txt", "--base", "y.txt", option, value])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[goroutines]\ngrowth-min = 0\n", "growth_min must be a whole number"),
        ("[goroutines]\ngrowth-per-minute = 'fast'\n", "growth-per-minute must be a number"),
        ("[goroutines]\ngrowth-per-minute = nan\n", "growth_per_minute must be a finite"),
        ("[goroutines]\ngrowth-per-minute = -2\n", "growth_per_minute must be a finite"),
    ],
)
def test_bad_growth_settings(tmp_path, capsys, monkeypatch, text, message):
    (tmp_path / ".gotriage.toml").write_text(text)
    dump = tmp_path / "dump.txt"
    dump.write_text("goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["goroutines", str(dump)]) == 2
    err = capsys.readouterr().err
    assert message in err and ".gotriage.toml" in err


LOCKED = "goroutine {id} [sync.Mutex.Lock]:\nmain.update()\n\t/app/main.go:38 +0x1\n\n"


def test_interval_sets_the_rate(tmp_path, capsys):
    """+3 at a lock: evidence at 3 per minute, not at 3 per hour."""
    import json

    before, after = tmp_path / "before.txt", tmp_path / "after.txt"
    before.write_text("goroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x1\n\n")
    after.write_text(before.read_text() + "".join(LOCKED.format(id=i) for i in (5, 6, 7)))
    for interval, code in [("1m", 1), ("1h", 0)]:
        args = ["goroutines", str(after), "--base", str(before), "--interval", interval]
        assert main([*args, "--format", "json"]) == code
        result = json.loads(capsys.readouterr().out)
        assert result["growth_minutes"] == {"1m": 1.0, "1h": 60.0}[interval]
        assert result["growth"][0]["delta"] == 3
