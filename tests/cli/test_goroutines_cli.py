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
