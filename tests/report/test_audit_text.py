"""Text output: the offending line in context, the fix hint, the summary; no colour off a
terminal."""

from __future__ import annotations

from pathlib import Path

from gotriage.cli import main

FIXTURES = Path(__file__).parents[1] / "go" / "audit"


def test_text_shows_line_in_context(capsys):
    code = main(["audit", "--no-config", str(FIXTURES / "time-tick" / "bad")])
    out = capsys.readouterr().out
    assert code == 0  # GT204 is low severity: below the default --fail-on medium
    assert "bad.go:8:12 GT204 [low]" in out
    assert "  >  8 |     for range time.Tick(time.Second) {" in out
    assert "     7 | func (w *worker) run() {" in out
    assert "fix: use time.NewTicker" in out
    assert "2 findings (2 low) in 1 files" in out
    assert "\x1b[" not in out


def test_fail_on_low_makes_low_findings_fail(capsys):
    assert (
        main(["audit", "--no-config", "--fail-on", "low", str(FIXTURES / "time-tick" / "bad")]) == 1
    )


def test_clean_tree_exits_zero(capsys):
    code = main(["audit", "--no-config", str(FIXTURES / "lock-without-unlock" / "good")])
    assert code == 0
    assert "0 findings in 1 files" in capsys.readouterr().out


def test_list_rules_and_explain(capsys):
    assert main(["audit", "--list-rules"]) == 0
    listing = capsys.readouterr().out
    assert "GT101" in listing and "GT207" in listing and "(--fix)" in listing
    assert main(["audit", "--explain", "GT201"]) == 0
    explained = capsys.readouterr().out
    assert "make(chan string, 1)" in explained and "How to fix" in explained
    assert main(["audit", "--explain", "GT999"]) == 2
    assert "no rule" in capsys.readouterr().err
