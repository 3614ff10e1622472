"""``gotriage goroutines --format json``: the analysis as stable JSON (schema in the README)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO

from gotriage.goroutines.analyse import Analysis
from gotriage.goroutines.group import Group
from gotriage.goroutines.suspects import Suspect
from gotriage.model import Frame

SCHEMA = "gotriage.goroutines/1"

ContextFn = Callable[[Frame], list[tuple[int, str]]]


def frame_json(frame: Frame | None) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {"function": frame.function, "file": frame.file or None, "line": frame.line or None}


def _wait(group: Group) -> dict[str, int | None]:
    return {"min": group.wait_min, "max": group.wait_max}


def group_json(analysis: Analysis, group: Group, full_stack: bool) -> dict[str, Any]:
    frames = group.frames if full_stack else group.frames[:8]
    return {
        "kind": group.kind.value,
        "state": group.state or None,
        "count": group.count,
        "leaked": group.leaked,
        "wait_minutes": _wait(group),
        "blocking_site": frame_json(group.site),
        "created_by": frame_json(group.created_by),
        "http_phase": group.http_phase,
        "by_design": analysis.by_design(group),
        "example_ids": list(group.ids),
        "labels": dict(sorted(group.labels)),
        "stack": [frame_json(frame) for frame in frames],
        "stack_truncated": len(frames) < len(group.frames),
    }


def suspect_json(suspect: Suspect, context: ContextFn | None) -> dict[str, Any]:
    group = suspect.group
    lines = context(suspect.location) if context and suspect.location else []
    return {
        "confidence": suspect.confidence.value,
        "pattern": suspect.pattern_name,
        "title": suspect.pattern.title,
        "kind": group.kind.value,
        "location": frame_json(suspect.location),
        "blocking_site": frame_json(group.site),
        "created_by": frame_json(group.created_by),
        "count": group.count,
        "wait_minutes": _wait(group),
        "http_phase": group.http_phase,
        "evidence": [
            {"code": e.code, "weight": e.weight.value, "text": e.text, "rule": e.rule}
            for e in suspect.evidence
        ],
        "explanation": suspect.pattern.explanation,
        "fix": suspect.pattern.fix,
        "example_ids": list(group.ids),
        "source": [{"line": n, "text": text} for n, text in lines],
    }


def to_dict(
    analysis: Analysis, *, context: ContextFn | None = None, full_stack: bool = False
) -> dict[str, Any]:
    report = analysis.report
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "source": analysis.source,
        "format": report.format.value if report.format else None,
        "missing": list(report.missing),
        "leak_profile": analysis.leak_profile,
        "context": list(report.context),
        "parse_issues": [{"line": issue.line, "message": issue.message} for issue in report.issues],
        "total_goroutines": analysis.grouping.total,
        "by_kind": {kind.value: n for kind, n in analysis.kinds().most_common()},
        "suspects": [suspect_json(s, context) for s in analysis.suspects],
        "groups": [group_json(analysis, g, full_stack) for g in analysis.groups_worst_first()],
        "notes": list(analysis.notes),
        "settings": {
            "min_count": analysis.settings.min_count,
            "long_wait_minutes": analysis.settings.long_wait_minutes,
            "min_confidence": analysis.settings.min_confidence.value,
            "ignore": list(analysis.settings.ignore),
            "config": analysis.config,
            "growth_min": analysis.settings.growth_min,
            "growth_per_minute": analysis.settings.growth_per_minute,
            "slow_clients": analysis.settings.slow_clients,
        },
    }
    if analysis.growth is not None:
        result["base"] = analysis.base_source
        comparison = analysis.comparison
        result["growth_compared_by"] = list(comparison.compared_by) if comparison else None
        result["growth_minutes"] = comparison.minutes if comparison else None
        result["growth"] = [
            {
                "kind": g.group.kind.value,
                "location": g.group.location,
                "created_by": frame_json(g.group.created_by),
                "before": g.before,
                "after": g.after,
                "delta": g.delta,
                "by_design": analysis.by_design(g.group),
            }
            for g in analysis.growth
        ]
    return result


def render(
    analysis: Analysis, out: TextIO, *, context: ContextFn | None = None, full_stack: bool = False
) -> None:
    # One write: json.dump would issue a write per token, which dominates on large dumps.
    out.write(json.dumps(to_dict(analysis, context=context, full_stack=full_stack), indent=2))
    out.write("\n")
