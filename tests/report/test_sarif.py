"""SARIF output validated against the official SARIF 2.1.0 schema (vendored, see
SARIF_SCHEMA.md), with rule metadata from the registry."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from gotriage.audit.config import AuditConfig
from gotriage.audit.registry import all_rules
from gotriage.audit.runner import audit_files
from gotriage.cli import main
from gotriage.report.sarif import sarif_document

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
FIXTURES = Path(__file__).parents[1] / "go" / "audit"


@pytest.fixture(scope="module")
def fixture_report():
    files = sorted(str(p) for p in FIXTURES.rglob("*.go"))
    return audit_files(files, AuditConfig(), jobs=1)


def validate(document):
    jsonschema.Draft4Validator(SCHEMA).validate(document)


def test_fixture_audit_is_valid_sarif(fixture_report):
    document = sarif_document(fixture_report, str(FIXTURES.parents[1]))
    validate(document)
    run = document["runs"][0]
    assert {r["ruleId"] for r in run["results"]} == {r.id for r in all_rules()}
    result = run["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].startswith("go/audit/")
    assert location["region"]["startLine"] >= 1
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_rule_metadata_comes_from_the_registry():
    document = sarif_document(audit_files([], AuditConfig(), jobs=1))
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in all_rules()]
    gt101 = rules[0]
    assert gt101["shortDescription"]["text"] == all_rules()[0].title
    assert "Bad::" in gt101["help"]["text"]
    assert gt101["defaultConfiguration"]["level"] == "error"


def test_parse_problems_become_notifications(tmp_path):
    (tmp_path / "bad.go").write_text("package p\nfunc {\n")
    report = audit_files([str(tmp_path / "bad.go")], AuditConfig(), jobs=1)
    document = sarif_document(report, str(tmp_path))
    validate(document)
    invocation = document["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notification = invocation["toolExecutionNotifications"][0]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad.go"


def test_cli_sarif_output_validates(capsys):
    code = main(["audit", "--format", "sarif", "--no-config", str(FIXTURES / "lost-cancel")])
    assert code == 1
    validate(json.loads(capsys.readouterr().out))


def test_files_outside_the_base_get_absolute_uris_without_a_base(fixture_report, tmp_path):
    document = sarif_document(fixture_report, str(tmp_path))
    validate(document)
    for result in document["runs"][0]["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uri"].startswith("file:///") and "uriBaseId" not in artifact


def test_a_server_missing_several_timeouts_is_one_result_listing_them(tmp_path):
    package = FIXTURES / "server-timeouts" / "library"
    files = sorted(str(p) for p in package.glob("*.go"))
    document = sarif_document(audit_files(files, AuditConfig(), jobs=1), str(FIXTURES.parents[1]))
    validate(document)
    results = [r for r in document["runs"][0]["results"] if r["ruleId"].startswith("GT10")]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    assert len(lines) == len(set(lines))  # one result per server
    first = next(r for r in results if r["ruleId"] == "GT101")
    assert first["properties"]["missing"] == [
        "ReadHeaderTimeout",
        "ReadTimeout",
        "WriteTimeout",
        "IdleTimeout",
    ]
