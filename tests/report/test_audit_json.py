"""The JSON document: stable field names, one record per finding, errors, summary."""

from __future__ import annotations

import json
from pathlib import Path

from gotriage.cli import main

FIXTURES = Path(__file__).parents[1] / "go" / "audit"
FINDING_FIELDS = {
    "rule",
    "name",
    "title",
    "severity",
    "confidence",
    "message",
    "fix",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "missing",
    "test_code",
}


def test_json_document(capsys):
    code = main(["audit", "--format", "json", "--no-config", str(FIXTURES / "lock-without-unlock")])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["version"] == 1
    assert set(document) == {"version", "findings", "errors", "summary"}
    records = document["findings"]
    assert [(Path(r["file"]).name, r["line"], r["rule"]) for r in records] == [
        ("bad.go", 18, "GT205"),
        ("bad.go", 28, "GT205"),
        ("bad.go", 42, "GT205"),
        ("bad.go", 54, "GT205"),
    ]
    assert all(set(r) == FINDING_FIELDS for r in records)
    assert records[0]["name"] == "lock-without-unlock"
    assert records[0]["severity"] == "high"
    summary = document["summary"]
    assert summary["findings"] == 4 and summary["by_rule"] == {"GT205": 4}
    assert summary["files"] == 2


def test_json_errors(tmp_path, capsys):
    (tmp_path / "bad.go").write_text("package p\nfunc {\n")
    code = main(["audit", "--format", "json", "--no-config", str(tmp_path)])
    document = json.loads(capsys.readouterr().out)
    assert code == 2
    assert document["errors"][0]["file"].endswith("bad.go")
    assert document["errors"][0]["line"] >= 1


def test_json_lists_the_missing_fields_of_a_server(capsys):
    package = FIXTURES / "server-timeouts" / "library"
    main(["audit", "--format", "json", "--no-config", "--enable", "GT1", str(package)])
    records = json.loads(capsys.readouterr().out)["findings"]
    twin = next(r for r in records if r["line"] == 17)
    assert twin["rule"] == "GT101"
    assert twin["missing"] == ["ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout"]
