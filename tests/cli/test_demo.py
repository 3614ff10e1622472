"""`gotriage demo` end to end, and the static audit agreeing with the live analysis on it."""

import json
from importlib import resources

from gotriage.cli import main


def test_demo_names_both_leaks_and_audit_predicts_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GOTRIAGE_CACHE", str(tmp_path))
    assert main(["demo", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    live = {(s["pattern"], s["location"]["line"]) for s in result["suspects"]}
    assert live == {("chan-send", 29), ("server-without-timeouts", 69)}

    source = resources.files("gotriage.demo").joinpath("leakyshop.go")
    assert main(["audit", str(source), "--format", "json", "--no-config"]) == 1
    audit = json.loads(capsys.readouterr().out)
    static = {(f["rule"], f["line"]) for f in audit["findings"]}
    assert {("GT201", 29), ("GT102", 69)} <= static
