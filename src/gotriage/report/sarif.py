"""SARIF 2.1.0 rendering of an audit, for code-scanning upload.

Rule metadata comes from the rule registry (title, docstring, default severity). Paths are
written relative to the directory the audit ran from, under ``uriBaseId`` ``%SRCROOT%``.
"""

from __future__ import annotations

import json
from pathlib import Path

from gotriage import __version__
from gotriage.audit.engine import NotAudited, Rule
from gotriage.audit.registry import all_rules, documentation, summary
from gotriage.audit.runner import AuditReport
from gotriage.model import Finding, Location, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _uri(path: str, base: str) -> str:
    absolute = Path(path).absolute()
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_uri()


def _rule(rule: type[Rule]) -> dict[str, object]:
    text = documentation(rule)
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": summary(rule)},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["net/http" if rule.id.startswith("GT1") else "goroutine-leak", "reliability"],
            "precision": str(rule.confidence),
            "severity": str(rule.severity),
        },
    }


def _location(location: Location, base: str) -> dict[str, object]:
    region: dict[str, int] = {}
    if location.line:
        region["startLine"] = location.line
        if location.column:
            region["startColumn"] = location.column
        if location.end_line:
            region["endLine"] = location.end_line
        if location.end_column:
            region["endColumn"] = location.end_column
    uri = _uri(location.file, base)
    artifact: dict[str, str] = {"uri": uri}
    if not uri.startswith("file:"):
        artifact["uriBaseId"] = "%SRCROOT%"  # only a relative reference may name a base
    physical: dict[str, object] = {"artifactLocation": artifact}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical}


def _result(finding: Finding, index: dict[str, int], base: str) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.rule,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "properties": {"severity": str(finding.severity), "confidence": str(finding.confidence)},
    }
    if finding.test_code:
        result["properties"]["testCode"] = finding.test_code  # type: ignore[index]
    if finding.missing:
        result["properties"]["missing"] = list(finding.missing)  # type: ignore[index]
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.location is not None:
        result["locations"] = [_location(finding.location, base)]
    return result


def _notification(problem: NotAudited, base: str) -> dict[str, object]:
    """A file or directory that was not audited; ``properties.reason`` says why."""
    return {
        "level": "error",
        "message": {"text": problem.message},
        "locations": [_location(Location(problem.file, problem.line), base)],
        "properties": {"reason": str(problem.reason)},
    }


def sarif_document(report: AuditReport, base: str | None = None) -> dict[str, object]:
    base = str(Path(base).absolute() if base else Path.cwd())
    rules = all_rules()
    index = {rule.id: i for i, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gotriage",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://pypi.org/project/gotriage/",
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(base).as_uri() + "/"}},
                "invocations": [
                    {
                        "executionSuccessful": not report.problems,
                        "toolExecutionNotifications": [
                            _notification(p, base) for p in report.problems
                        ],
                    }
                ],
                "results": [_result(f, index, base) for f in report.findings],
            }
        ],
    }


def render_sarif(report: AuditReport, base: str | None = None) -> str:
    return json.dumps(sarif_document(report, base), indent=2, ensure_ascii=False) + "\n"
