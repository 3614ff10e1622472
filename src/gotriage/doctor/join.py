"""Join every analysis' findings into diagnoses. No I/O.

:func:`observations` turns each analysis' own result (audit report, probe report, goroutine
analysis, CPU analysis, sockets analysis, watch history) into :class:`Observation` rows; then
:func:`diagnose` matches them against the table in :mod:`gotriage.knowledge.diagnoses`. A
diagnosis holds when at least one finding supports it; its confidence grows with the number of
independent sides that see it and drops when a measurement contradicts it. Every observation
that supports no diagnosis is kept as an "other finding".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from gotriage.doctor.model import Diagnosis, Gathered, Observation, Result
from gotriage.knowledge.diagnoses import DIAGNOSES, DiagnosisText, Signal, verify_command
from gotriage.model import Confidence, Severity
from gotriage.units import format_duration, format_size

Context = Callable[[str, int], list[tuple[int, str]]]

_BY_CONFIDENCE = {
    Confidence.HIGH: Severity.HIGH,
    Confidence.MEDIUM: Severity.MEDIUM,
    Confidence.LOW: Severity.LOW,
}


def _no_context(_file: str, _line: int) -> list[tuple[int, str]]:
    return []


def _value(m: object) -> str:
    from gotriage.probe.model import Unit

    value = getattr(m, "value", None)
    unit = getattr(m, "unit", None)
    if value is None:
        return ""
    if unit is Unit.SECONDS:
        return format_duration(value)
    if unit is Unit.BYTES:
        return format_size(int(value))
    return f"{value:g}"


def from_audit(report: object, context: Context) -> list[Observation]:
    found = []
    for f in getattr(report, "findings", []):
        loc = f.location
        snippet = tuple(context(loc.file, loc.line)) if loc is not None else ()
        found.append(
            Observation(
                "source",
                f.rule,
                f.severity,
                f.confidence,
                f.message,
                (f.fix,) if f.fix else (),
                str(loc) if loc is not None else "",
                tuple(f.missing),
                snippet=snippet,
            )
        )
    return found


def from_probe(report: object) -> list[Observation]:
    from gotriage.probe.model import Verdict

    found = []
    for m in getattr(report, "measurements", ()):
        if m.verdict in (None, Verdict.SKIPPED):
            continue
        value = _value(m)
        state = (
            f"{m.status.value} {value}".strip()
            if m.status.value != "none"
            else (f"no limit up to {value}" if value else "no limit")
        )
        details = tuple(
            t
            for t in (m.detail, f"recommended: {m.recommended}" if m.recommended else "", m.fix)
            if t
        )
        problem = m.verdict in (Verdict.BAD, Verdict.WARN)
        severity = {Verdict.BAD: Severity.HIGH, Verdict.WARN: Severity.MEDIUM}.get(
            m.verdict, Severity.INFO
        )
        tag = "problem" if problem else "healthy" if m.verdict is Verdict.GOOD else m.verdict.value
        found.append(
            Observation(
                "probe",
                m.name,
                severity,
                Confidence.HIGH if m.verdict in (Verdict.BAD, Verdict.GOOD) else Confidence.MEDIUM,
                f"{m.name}: {state} ({m.verdict.value})",
                details,
                getattr(report, "target", ""),
                (tag,),
                problem=problem,
            )
        )
    return found


def from_goroutines(analysis: object, context: Context) -> list[Observation]:
    found = []
    for s in getattr(analysis, "suspects", []):
        where = s.location
        found.append(
            Observation(
                "goroutines",
                s.pattern_name,
                _BY_CONFIDENCE[s.confidence],
                s.confidence,
                f"{s.group.count} goroutine(s) {s.pattern.title}"
                + (f" at {where.function}" if where is not None else ""),
                tuple(e.text for e in s.evidence),
                where.location if where is not None else "",
                tuple(e.code for e in s.evidence),
                snippet=tuple(context(where.file, where.line)) if where is not None else (),
            )
        )
    return found


def from_cpu(analysis: object) -> list[Observation]:
    found = [
        Observation(
            "cpu", v.id, v.severity, Confidence.MEDIUM, v.summary, tuple(v.evidence), "", ()
        )
        for v in getattr(analysis, "verdicts", [])
    ]
    if getattr(analysis, "gc_not_the_problem", None):
        found.append(
            Observation(
                "cpu",
                "gc-not-the-problem",
                Severity.INFO,
                Confidence.MEDIUM,
                "the garbage collector takes a small share of the CPU",
                problem=False,
                tags=("healthy",),
            )
        )
    return found


def from_sockets(analysis: object) -> list[Observation]:
    return [
        Observation(
            "sockets",
            f.id,
            f.severity,
            f.confidence,
            f.message,
            tuple(f.evidence),
            f"port {f.port}" if f.port else (f.upstream or ""),
        )
        for f in getattr(analysis, "findings", [])
    ]


def from_history(history: object) -> list[Observation]:
    found = []
    for a in getattr(history, "open_alerts", []):
        found.append(
            Observation(
                "history",
                "alert",
                Severity.HIGH,
                Confidence.MEDIUM,
                f"open alert: goroutines at {a.function or a.site} ({a.kind}) keep growing",
                tuple(f"{k}: {v}" for k, v in sorted(a.evidence.items())),
                a.site,
            )
        )
    return found


def observations(g: Gathered, context: Context = _no_context) -> list[Observation]:
    return [
        *(from_audit(g.audit, context) if g.audit is not None else []),
        *(from_probe(g.probe) if g.probe is not None else []),
        *(from_goroutines(g.goroutines, context) if g.goroutines is not None else []),
        *(from_cpu(g.cpu) if g.cpu is not None else []),
        *(from_sockets(g.sockets) if g.sockets is not None else []),
        *(from_history(g.history) if g.history is not None else []),
    ]


def matches(signal: Signal, o: Observation) -> bool:
    if o.side != signal.side or o.id not in signal.ids or o.problem != signal.problem:
        return False
    return not signal.tags or any(tag in o.tags for tag in signal.tags)


_GATHERED_BY = {"source": "audit"}


def _confidence(sides: int, contradicted: bool, strongest: Confidence) -> Confidence:
    if sides >= 3:
        level = Confidence.HIGH
    elif sides == 2 or strongest is Confidence.HIGH:
        level = Confidence.MEDIUM
    else:
        level = Confidence.LOW
    if contradicted:
        level = Confidence.LOW
    return level


def _lower(severity: Severity) -> Severity:
    order = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH]
    return order[max(1, severity.rank - 1)]


def judge(text: DiagnosisText, found: Iterable[Observation], g: Gathered) -> Diagnosis | None:
    found = list(found)
    supporting = [o for o in found if any(matches(s, o) for s in text.supports)]
    if not supporting:
        return None
    contradicting = [o for o in found if any(matches(s, o) for s in text.contradicts)]
    sides = tuple(dict.fromkeys(o.side for o in supporting))
    strongest = max((o.confidence for o in supporting), key=lambda c: c.rank)
    worst = max((o.severity for o in supporting), key=lambda s: s.rank)
    severity = text.severity if worst.rank >= Severity.MEDIUM.rank else worst
    if contradicting:
        severity = _lower(severity)
    blind = tuple(
        dict.fromkeys(
            s.side for s in text.supports if getattr(g, _GATHERED_BY.get(s.side, s.side)) is None
        )
    )
    url = g.inputs.get("url", "URL")
    return Diagnosis(
        text.id,
        text.title,
        severity,
        _confidence(len(sides), bool(contradicting), strongest),
        text.explanation,
        text.fix,
        text.fix_code,
        verify_command(text, url),
        supporting,
        contradicting,
        sides,
        blind,
    )


def diagnose(g: Gathered, context: Context = _no_context) -> Result:
    found = observations(g, context)
    diagnoses = [d for text in DIAGNOSES if (d := judge(text, found, g)) is not None]
    diagnoses.sort(key=lambda d: (-d.severity.rank, -d.confidence.rank, -len(d.sides)))
    used = {id(o) for d in diagnoses for o in (*d.supporting, *d.contradicting)}
    other = [o for o in found if id(o) not in used]
    other.sort(key=lambda o: (-o.severity.rank, o.side, o.id))
    return Result(g, diagnoses, other, found)


def file_context(roots: tuple[Path, ...]) -> Context:
    """Source lines around a location, from the files as named or under ``roots``."""
    from gotriage.goroutines.source import SourceLookup

    lookup = SourceLookup(roots)

    def context(file: str, line: int) -> list[tuple[int, str]]:
        return lookup.context(file, line, around=3) if file and line else []

    return context
