"""``gotriage goroutines --format json``: the analysis as stable JSON (schema in the README)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from gotriage.goroutines.analyse import Analysis
from gotriage.goroutines.diff import Growth
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


def sections(
    analysis: Analysis, *, context: ContextFn | None = None, full_stack: bool = False
) -> Iterator[tuple[str, Any]]:
    """The report's top-level fields in order, one place per field.

    The long lists (suspects, groups, growth) are iterators, so that :func:`render` writes
    each entry as it is made instead of holding the whole report in memory.
    """
    report = analysis.report
    yield "schema", SCHEMA
    yield "source", analysis.source
    yield "format", report.format.value if report.format else None
    yield "missing", list(report.missing)
    yield "leak_profile", analysis.leak_profile
    yield "context", list(report.context)
    yield (
        "parse_issues",
        [{"line": issue.line, "message": issue.message} for issue in report.issues],
    )
    yield "total_goroutines", analysis.grouping.total
    yield "by_kind", {kind.value: n for kind, n in analysis.kinds().most_common()}
    yield "suspects", (suspect_json(s, context) for s in analysis.suspects)
    yield "groups", (group_json(analysis, g, full_stack) for g in analysis.groups_worst_first())
    yield "notes", list(analysis.notes)
    yield (
        "settings",
        {
            "min_count": analysis.settings.min_count,
            "long_wait_minutes": analysis.settings.long_wait_minutes,
            "min_confidence": analysis.settings.min_confidence.value,
            "ignore": list(analysis.settings.ignore),
            "config": analysis.config,
            "growth_min": analysis.settings.growth_min,
            "growth_per_minute": analysis.settings.growth_per_minute,
            "slow_clients": analysis.settings.slow_clients,
        },
    )
    if analysis.growth is not None:
        yield "base", analysis.base_source
        comparison = analysis.comparison
        yield "growth_compared_by", list(comparison.compared_by) if comparison else None
        yield "growth_minutes", comparison.minutes if comparison else None
        yield "growth", (growth_json(analysis, g) for g in analysis.growth)


def growth_json(analysis: Analysis, growth: Growth) -> dict[str, Any]:
    return {
        "kind": growth.group.kind.value,
        "location": growth.group.location,
        "created_by": frame_json(growth.group.created_by),
        "before": growth.before,
        "after": growth.after,
        "delta": growth.delta,
        "by_design": analysis.by_design(growth.group),
    }


def to_dict(
    analysis: Analysis, *, context: ContextFn | None = None, full_stack: bool = False
) -> dict[str, Any]:
    """The whole report as one dict (what :func:`render` writes, held in memory)."""
    return {
        key: list(value) if isinstance(value, Iterator) else value
        for key, value in sections(analysis, context=context, full_stack=full_stack)
    }


def render(
    analysis: Analysis, out: TextIO, *, context: ContextFn | None = None, full_stack: bool = False
) -> None:
    """Write the report as it is made: memory holds one entry of a long list at a time.

    Top-level fields are indented as ``json.dumps(indent=2)`` would; each entry of a long list
    is one line of compact JSON (the C encoder, many times faster than the indenting one).
    """
    out.write("{")
    separator = "\n"
    for key, value in sections(analysis, context=context, full_stack=full_stack):
        out.write(f"{separator}  {json.dumps(key)}: ")
        separator = ",\n"
        if isinstance(value, Iterator):
            _write_list(out, value)
        else:
            out.write(json.dumps(value, indent=2).replace("\n", "\n  "))
    out.write("\n}\n")


def _write_list(out: TextIO, items: Iterator[Any]) -> None:
    batch: list[str] = []
    written = False
    for item in items:
        batch.append(_compact(item))
        if len(batch) == 512:
            out.write(("[\n    " if not written else ",\n    ") + ",\n    ".join(batch))
            written = True
            batch.clear()
    if batch:
        out.write(("[\n    " if not written else ",\n    ") + ",\n    ".join(batch))
        written = True
    out.write("\n  ]" if written else "[]")


_compact = json.JSONEncoder(separators=(", ", ": ")).encode
