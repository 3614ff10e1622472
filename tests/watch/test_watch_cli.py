"""`gotriage watch` and `gotriage history` on the command line: usage errors, bad files."""

from __future__ import annotations

import sqlite3

import pytest

from gotriage.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["watch", "--db", "x.db"], "at least one TARGET"),
        (["watch", "127.0.0.1:1"], "--db FILE is required"),
        (["watch", "127.0.0.1:1", "--db", "x.db", "--alertmanager", "am:9093"], "http://"),
        (["watch", "--targets", "missing.json", "--db", "x.db"], "missing.json"),
        (["watch", "127.0.0.1:1", "--db", "x.db", "--metrics-listen", "nope"], "HOST:PORT"),
        (["history", "missing.db"], "no such file"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "option",
    [
        ["--interval", "0"],
        ["--interval", "nan"],
        ["--interval", "-1s"],
        ["--window", "inf"],
        ["--full-every", "0"],
        ["--min-increase", "²"],
        ["--min-rate", "-1"],
    ],
)
def test_bad_values_are_refused(option, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["watch", "127.0.0.1:1", "--db", "x.db", *option])
    assert exit_.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_history_of_a_file_that_is_not_a_watch_db(tmp_path, capsys):
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    assert main(["history", str(other)]) == 2
    assert "not a gotriage history" in capsys.readouterr().err


def test_unreachable_target_is_counted_not_fatal(tmp_path, capsys):
    # A target that refuses connections: the watch keeps going and records the errors.
    db = tmp_path / "w.db"
    code = main(
        [
            "watch",
            "127.0.0.1:9",
            "--db",
            str(db),
            "--interval",
            "0.1s",
            "--duration",
            "0.5s",
            "--no-config",
            "--format",
            "jsonl",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert '"event": "error"' in out
    assert main(["history", str(db), "--format", "json"]) == 0
    assert '"errors": ' in capsys.readouterr().out


def test_alert_rules_are_printed_with_the_options(capsys):
    assert main(["watch", "--print-alert-rules", "--window", "1h", "--min-increase", "50"]) == 0
    rules = capsys.readouterr().out
    assert "[1h]" in rules and ">= 50" in rules and "for: 30m" in rules


def test_a_locked_database_is_one_line_and_exit_2(tmp_path, capsys):
    db = tmp_path / "w.db"
    assert main(["history", str(db)]) == 2  # not there yet
    from gotriage.watch.store import Store

    Store(db).close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another writer holds the file
    try:
        capsys.readouterr()
        code = main(["watch", "127.0.0.1:9", "--db", str(db), "--duration", "1s", "-q"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    err = capsys.readouterr().err.strip()
    assert code == 2 and "locked" in err and len(err.splitlines()) == 1, err
