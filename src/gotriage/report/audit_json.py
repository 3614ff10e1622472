"""JSON rendering of an audit. The field names are stable and documented in the README."""

from __future__ import annotations

import json
from collections import Counter

from gotriage.audit.registry import all_rules
from gotriage.audit.runner import AuditReport
from gotriage.model import Finding

SCHEMA_VERSION = 1


def finding_record(finding: Finding, names: dict[str, str]) -> dict[str, object]:
    """``names``: rule ID -> rule name."""
    location = finding.location
    return {
        "rule": finding.rule,
        "name": names.get(finding.rule, ""),
        "title": finding.title,
        "severity": str(finding.severity),
        "confidence": str(finding.confidence),
        "message": finding.message,
        "fix": finding.fix,
        "file": location.file if location else "",
        "line": location.line if location else 0,
        "column": location.column if location else 0,
        "end_line": location.end_line if location else 0,
        "end_column": location.end_column if location else 0,
        "missing": list(finding.missing),
        "test_code": finding.test_code,
    }


def audit_document(report: AuditReport) -> dict[str, object]:
    names = {rule.id: rule.name for rule in all_rules()}
    return {
        "version": SCHEMA_VERSION,
        "findings": [finding_record(f, names) for f in report.findings],
        "errors": [
            {"file": p.file, "line": p.line, "reason": str(p.reason), "message": p.message}
            for p in report.problems
        ],
        "summary": {
            "files": report.files,
            "not_audited": len(report.problems),
            "generated_skipped": report.generated,
            "suppressed": report.suppressed,
            "findings": len(report.findings),
            "by_severity": dict(Counter(str(f.severity) for f in report.findings)),
            "by_rule": dict(sorted(Counter(f.rule for f in report.findings).items())),
        },
    }


def render_json(report: AuditReport) -> str:
    return json.dumps(audit_document(report), indent=2, ensure_ascii=False) + "\n"
