"""``gotriage doctor --format json``: schema ``gotriage.doctor/1``, documented in README.md."""

from __future__ import annotations

import json
from typing import Any, TextIO

from gotriage.doctor.model import Diagnosis, Observation, Result

SCHEMA = "gotriage.doctor/1"


def observation(o: Observation) -> dict[str, Any]:
    return {
        "side": o.side,
        "id": o.id,
        "severity": o.severity.value,
        "confidence": o.confidence.value,
        "problem": o.problem,
        "summary": o.summary,
        "details": list(o.details),
        "location": o.location or None,
        "tags": list(o.tags),
    }


def diagnosis(d: Diagnosis) -> dict[str, Any]:
    return {
        "id": d.id,
        "title": d.title,
        "severity": d.severity.value,
        "confidence": d.confidence.value,
        "sides": list(d.sides),
        "not_gathered": list(d.blind),
        "explanation": d.explanation,
        "fix": d.fix,
        "fix_code": d.fix_code,
        "verify": d.verify,
        "supporting": [observation(o) for o in d.supporting],
        "contradicting": [observation(o) for o in d.contradicting],
    }


def document(result: Result) -> dict[str, Any]:
    g = result.gathered
    return {
        "schema": SCHEMA,
        "inputs": g.inputs,
        "budget_seconds": g.budget,
        "elapsed_seconds": g.elapsed,
        "exit_code": result.exit_code,
        "collected": g.collected,
        "missing": g.missing,
        "notes": g.notes,
        "diagnoses": [diagnosis(d) for d in result.diagnoses],
        "other_findings": [observation(o) for o in result.other],
    }


def render(result: Result, out: TextIO) -> None:
    json.dump(document(result), out, indent=2)
    out.write("\n")
