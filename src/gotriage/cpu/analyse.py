"""``gotriage cpu``'s analysis: the sources read, combined, categorised and judged.

Profiles given together are merged (their stacks added up); of several logs, the first with
schedtrace lines and the first with gctrace lines are used (series of separate runs do not
join); one execution trace is summarised. The result, a
:class:`CpuAnalysis`, is what the renderers turn into text or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gotriage.cpu.categorise import Breakdown, Categoriser, categorise
from gotriage.cpu.gctrace import GCSummary
from gotriage.cpu.profile import Profile
from gotriage.cpu.schedtrace import SchedSummary
from gotriage.cpu.sources import Loaded
from gotriage.cpu.verdicts import Evidence, Goroutines, Thresholds, Verdict, evaluate
from gotriage.cpu.verdicts import gc_not_the_problem as _gc_not_the_problem
from gotriage.errors import UsageError
from gotriage.model import ParseIssue, Severity

if TYPE_CHECKING:
    from gotriage.cpu.compare import Comparison
    from gotriage.cpu.trace import TraceSummary


@dataclass(slots=True)
class CpuAnalysis:
    sources: list[tuple[str, str]]  # (source, kind)
    thresholds: Thresholds
    breakdown: Breakdown | None = None
    sched: SchedSummary | None = None
    gc: GCSummary | None = None
    trace: TraceSummary | None = None
    goroutines: Goroutines | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    gc_not_the_problem: bool | None = None
    comparison: Comparison | None = None
    notes: list[str] = field(default_factory=list)
    issues: list[tuple[str, ParseIssue]] = field(default_factory=list)
    config: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if any(v.severity.rank >= Severity.MEDIUM.rank for v in self.verdicts) else 0


def merge_profiles(profiles: list[Profile]) -> Profile:
    if len(profiles) == 1:
        return profiles[0]
    first = profiles[0]
    merged = Profile(first.kind, first.sample_types, first.period_nanos, 0.0)
    for profile in profiles:
        merged.stacks.extend(profile.stacks)
        merged.samples += profile.samples
        merged.nanos += profile.nanos
        merged.duration_seconds += profile.duration_seconds
    return merged


def analyse(
    loaded: list[Loaded], thresholds: Thresholds, *, base: Loaded | None = None
) -> CpuAnalysis:
    analysis = CpuAnalysis([(item.source, item.kind) for item in loaded], thresholds)
    categoriser = Categoriser()
    profiles = [item.profile for item in loaded if item.profile is not None]
    traces = [item.trace for item in loaded if item.trace is not None]
    if len(traces) > 1:
        raise UsageError("give at most one execution trace")
    if any(p.kind != "cpu" for p in profiles):
        raise UsageError("a delay profile (go tool trace -pprof) is not a CPU profile")
    if profiles:
        analysis.breakdown = categorise(merge_profiles(profiles), categoriser)
    logs = [item.log for item in loaded if item.log is not None]
    if logs:
        scheds = [log.sched for log in logs if log.sched.samples]
        analysis.sched = scheds[0] if scheds else None
        gcs = [log.gc for log in logs if log.gc.cycles]
        analysis.gc = gcs[0] if gcs else None
        if len(gcs) > 1 or len(scheds) > 1:
            analysis.notes.append("several logs: the trace series are from the first that has them")
        for log in logs:
            analysis.issues.extend((log.source, issue) for issue in log.issues)
    analysis.trace = traces[0] if traces else None
    for item in loaded:
        if item.goroutines is not None:
            analysis.goroutines = item.goroutines
        analysis.notes.extend(item.notes)
    evidence = Evidence(
        analysis.breakdown, analysis.sched, analysis.gc, analysis.trace, analysis.goroutines
    )
    analysis.verdicts = evaluate(evidence, thresholds)
    analysis.gc_not_the_problem = _gc_not_the_problem(evidence, thresholds)
    b = analysis.breakdown
    if b is not None and b.tracer_percent >= 5:
        analysis.notes.append(
            f"{b.tracer_percent:.0f}% of the samples are the execution tracer's own cost "
            "(counted as runtime-other): the trace was recorded while profiling"
        )
    analysis.notes.extend(evidence.notes)
    if base is not None:
        if base.profile is None:
            raise UsageError(f"--base {base.source}: not a CPU profile")
        if b is None:
            raise UsageError("--base compares CPU profiles; no SOURCE is a CPU profile")
        from gotriage.cpu.compare import compare

        base_breakdown = categorise(base.profile, categoriser)
        analysis.comparison = compare(base_breakdown, b, base_source=base.source)
    return analysis
