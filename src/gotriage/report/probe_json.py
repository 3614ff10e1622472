"""`gotriage probe --format json`: a stable document, described by :data:`SCHEMA`.

Field names are part of the interface (documented in the README); add fields, never rename.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from gotriage.probe.model import Measurement, ProbeReport, RequirementResult, Status, Unit, Verdict
from gotriage.probe.requirements import OPERATORS
from gotriage.probe.verdicts import ORDER

FORMAT = "gotriage.probe/1"

_NUMBER_OR_NULL = {"type": ["number", "null"]}
_UNITS = {"enum": [u.value for u in Unit]}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "format",
        "target",
        "address",
        "tls",
        "max_wait_seconds",
        "duration_seconds",
        "target_lost",
        "measurements",
        "requirements",
        "notes",
        "exit_code",
    ],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "target": {"type": "string"},
        "address": {"type": "string"},
        "tls": {"type": "boolean"},
        "max_wait_seconds": {"type": "number"},
        "duration_seconds": {"type": "number"},
        "target_lost": {"type": "boolean"},
        "exit_code": {"enum": [0, 1]},
        "notes": {"type": "array", "items": {"type": "string"}},
        "measurements": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "name",
                    "status",
                    "unit",
                    "value",
                    "precision",
                    "outcome",
                    "verdict",
                    "recommended",
                    "go_field",
                    "fix",
                    "detail",
                    "enable_with",
                    "attempts",
                    "implied_setting",
                    "line_limit",
                    "line_precision",
                ],
                "properties": {
                    "name": {"enum": list(ORDER)},
                    "status": {"enum": [s.value for s in Status]},
                    "unit": _UNITS,
                    "value": _NUMBER_OR_NULL,
                    "precision": _NUMBER_OR_NULL,
                    "outcome": {"type": "string"},
                    "verdict": {"enum": [v.value for v in Verdict]},
                    "recommended": {"type": "string"},
                    "go_field": {"type": "string"},
                    "fix": {"type": "string"},
                    "detail": {"type": "string"},
                    "enable_with": {"type": "string"},
                    "attempts": {"type": "integer", "minimum": 0},
                    "implied_setting": _NUMBER_OR_NULL,
                    "line_limit": _NUMBER_OR_NULL,
                    "line_precision": _NUMBER_OR_NULL,
                },
            },
        },
        "requirements": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["requirement", "name", "op", "value", "unit", "met", "reason"],
                "properties": {
                    "requirement": {"type": "string"},
                    "name": {"type": "string"},
                    "op": {"enum": list(OPERATORS)},
                    "value": {"type": "number"},
                    "unit": _UNITS,
                    "met": {"type": "boolean"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


def measurement_dict(m: Measurement) -> dict[str, Any]:
    return {
        "name": m.name,
        "status": m.status.value,
        "unit": m.unit.value,
        "value": m.value,
        "precision": m.precision,
        "outcome": m.outcome,
        "verdict": m.verdict.value if m.verdict else "error",
        "recommended": m.recommended,
        "go_field": m.go_field,
        "fix": m.fix,
        "detail": m.detail,
        "enable_with": m.enable_with,
        "attempts": m.attempts,
        "implied_setting": m.implied_setting,
        "line_limit": m.line_limit,
        "line_precision": m.line_precision,
    }


def requirement_dict(r: RequirementResult) -> dict[str, Any]:
    req = r.requirement
    return {
        "requirement": req.text,
        "name": req.name,
        "op": req.op,
        "value": req.value,
        "unit": req.unit.value,
        "met": r.met,
        "reason": r.reason,
    }


def to_dict(report: ProbeReport, exit_code: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "target": report.target,
        "address": report.address,
        "tls": report.tls,
        "max_wait_seconds": report.max_wait,
        "duration_seconds": report.duration,
        "target_lost": report.target_lost,
        "measurements": [measurement_dict(m) for m in report.measurements],
        "requirements": [requirement_dict(r) for r in report.requirements],
        "notes": list(report.notes),
        "exit_code": exit_code,
    }


def render(report: ProbeReport, exit_code: int, out: TextIO) -> None:
    json.dump(to_dict(report, exit_code), out, indent=2)
    out.write("\n")
