"""Verdicts: what the figures say, each with its evidence, explanation and fix.

Inputs are the analyses already made (the CPU breakdown, the schedtrace and gctrace summaries,
the trace's blocking, the goroutine counts of a live capture); the thresholds come from
:class:`Thresholds` (defaults and meaning in :data:`gotriage.knowledge.cpu_categories.THRESHOLDS`,
overridden by the ``[cpu]`` settings). No I/O, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from gotriage.cpu.categorise import Breakdown
from gotriage.cpu.gctrace import GCSummary
from gotriage.cpu.schedtrace import SchedSummary
from gotriage.knowledge.cpu_categories import (
    ALLOC,
    GC,
    LOCKS,
    NETWORK,
    READING_REQUESTS,
    SCHEDULER,
    SYSCALL,
    THRESHOLDS,
    VERDICTS,
)
from gotriage.model import Severity

if TYPE_CHECKING:  # the trace module runs go tool trace; only a trace needs it
    from gotriage.cpu.trace import TraceSummary


@dataclass(frozen=True, slots=True)
class Thresholds:
    min_samples: float = THRESHOLDS["min_samples"][0]
    gc_percent: float = THRESHOLDS["gc_percent"][0]
    gc_low_percent: float = THRESHOLDS["gc_low_percent"][0]
    network_percent: float = THRESHOLDS["network_percent"][0]
    scheduler_percent: float = THRESHOLDS["scheduler_percent"][0]
    locks_percent: float = THRESHOLDS["locks_percent"][0]
    hot_function_percent: float = THRESHOLDS["hot_function_percent"][0]
    held_connections: float = THRESHOLDS["held_connections"][0]
    held_growth: float = THRESHOLDS["held_growth"][0]
    thread_growth: float = THRESHOLDS["thread_growth"][0]
    runqueue_growth: float = THRESHOLDS["runqueue_growth"][0]
    status_growth: float = THRESHOLDS["status_growth"][0]

    @classmethod
    def keys(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls))


@dataclass(slots=True)
class Goroutines:
    """Goroutine counts of a live capture, before and after the profile."""

    before: int
    after: int
    waiting_for_request_before: int  # net/http connections waiting for a request
    waiting_for_request_after: int


@dataclass(slots=True)
class Verdict:
    id: str
    severity: Severity
    summary: str
    evidence: list[str] = field(default_factory=list)
    title: str = ""
    explanation: str = ""
    fix: str = ""
    confirm: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        text = VERDICTS[self.id]
        self.title = self.title or text.title
        self.explanation = self.explanation or text.explanation
        self.fix = self.fix or text.fix
        self.confirm = self.confirm or text.confirm


def _grade(value: float, threshold: float) -> Severity:
    return Severity.HIGH if value >= 1.5 * threshold else Severity.MEDIUM


def _sites(breakdown: Breakdown, *names: str, limit: int = 3) -> list[str]:
    out = []
    for name in names:
        for site in breakdown.share(name).call_sites[:limit]:
            out.append(f"{site.name} ({site.location}): {site.percent:.1f}% of samples via {name}")
    return out


@dataclass(slots=True)
class Evidence:
    breakdown: Breakdown | None = None
    sched: SchedSummary | None = None
    gc: GCSummary | None = None
    trace: TraceSummary | None = None
    goroutines: Goroutines | None = None
    notes: list[str] = field(default_factory=list)


def gc_not_the_problem(evidence: Evidence, t: Thresholds) -> bool | None:
    """True when GC is plainly not where the CPU goes; None when nothing tells."""
    told = False
    b, gc = evidence.breakdown, evidence.gc
    if b is not None and b.samples >= t.min_samples:
        told = True
        if b.percent(GC) >= t.gc_low_percent:
            return False
    if gc is not None and gc.cycles:
        told = True
        window = gc.window_cpu_percent
        latest = gc.latest_cpu_percent or 0
        if latest >= t.gc_low_percent or (window is not None and window >= t.gc_low_percent):
            return False
    return True if told else None


def evaluate(evidence: Evidence, t: Thresholds) -> list[Verdict]:
    verdicts: list[Verdict] = []
    b = evidence.breakdown
    if b is not None and 0 < b.samples < t.min_samples:
        evidence.notes.append(
            f"only {b.samples} CPU samples ({b.seconds:.2f} s of CPU): the process was mostly "
            "idle, so the profile draws no verdict"
        )
    profiled = b is not None and b.samples >= t.min_samples
    for check in (_churn, _gc_pressure, _scheduler, _locks, _hot_user, _blocking):
        verdict = check(evidence, t, profiled)
        if verdict is not None:
            verdicts.append(verdict)
    verdicts.sort(key=lambda v: -v.severity.rank)
    return verdicts


def _churn(evidence: Evidence, t: Thresholds, profiled: bool) -> Verdict | None:
    b = evidence.breakdown
    if b is None or not profiled:
        return None
    network = b.percent(NETWORK, SYSCALL)
    gc = b.percent(GC)
    if network < t.network_percent or gc >= t.gc_low_percent:
        return None
    facts = [
        f"network {b.percent(NETWORK):.1f}% + syscall {b.percent(SYSCALL):.1f}% of "
        f"{b.samples} samples; GC only {gc:.1f}%"
    ]
    if b.http_conn_percent or b.http_accept_percent:
        facts.append(
            f"net/http server: {b.http_conn_percent:.1f}% of samples in connection goroutines "
            f"(net/http.(*conn).serve), {b.http_accept_percent:.1f}% accepting"
        )
    held_seen: bool | None = None
    g = evidence.goroutines
    if g is not None:
        grew = g.waiting_for_request_after - g.waiting_for_request_before
        facts.append(
            f"net/http connections waiting for a request: {g.waiting_for_request_before} before, "
            f"{g.waiting_for_request_after} after the profile ({grew:+d}); goroutines "
            f"{g.before} -> {g.after}"
        )
        held_seen = g.waiting_for_request_after >= t.held_connections or grew >= t.held_growth
    tr = evidence.trace
    if tr is not None:
        reading = tr.seconds_at("net", READING_REQUESTS)
        if reading:
            facts.append(
                f"trace: {reading:.2f} s blocked in net/http reading requests from clients"
            )
    if held_seen is False:
        evidence.notes.append(
            f"network work is {network:.0f}% of the CPU, but the server does not hold its "
            "connections (they do not pile up waiting for requests): its timeouts cut slow and "
            "silent clients, so this is load, not churn of held connections"
        )
        return None
    if held_seen is None:
        facts.append(
            "whether the server holds its connections cannot be told from a profile alone; "
            "profile the live /debug/pprof/ URL to count the connections waiting for requests"
        )
        severity = Severity.LOW
    else:
        severity = Severity.HIGH
    return Verdict(
        "connection-churn",
        severity,
        f"{network:.0f}% of the CPU is network and system-call work while GC takes {gc:.0f}%",
        facts + _sites(b, NETWORK),
    )


def _gc_pressure(evidence: Evidence, t: Thresholds, profiled: bool) -> Verdict | None:
    b, gc = evidence.breakdown, evidence.gc
    share = b.percent(GC) if (b is not None and profiled) else 0.0
    window = gc.window_cpu_percent if gc is not None else None
    latest = gc.latest_cpu_percent if gc is not None else None
    trace_gc = max(window or 0.0, float(latest or 0))
    worst = max(share, trace_gc)
    if worst < t.gc_percent:
        return None
    facts = []
    if b is not None and profiled:
        facts.append(
            f"GC {share:.1f}% and allocation {b.percent(ALLOC):.1f}% of {b.samples} samples"
        )
    if gc is not None and gc.cycles:
        rate = f", {gc.per_second:.1f} GCs/s" if gc.per_second else ""
        window_text = f", {window:.0f}% over the log's window" if window is not None else ""
        facts.append(
            f"gctrace: {gc.cycles} cycles, GC CPU {latest}% since start{window_text}{rate}, heap "
            f"live {gc.heap_live.last:.0f} MB of a {gc.heap_goal.last:.0f} MB goal"
        )
    if b is not None and profiled:
        facts += _sites(b, ALLOC, GC)
    return Verdict(
        "gc-pressure",
        _grade(worst, t.gc_percent),
        f"the garbage collector takes {worst:.0f}% of the CPU",
        facts,
    )


def _scheduler(evidence: Evidence, t: Thresholds, profiled: bool) -> Verdict | None:
    b = evidence.breakdown
    if b is None or not profiled:
        return None
    share = b.percent(SCHEDULER)
    if share < t.scheduler_percent:
        return None
    facts = [f"scheduler {share:.1f}% of {b.samples} samples"]
    s = evidence.sched
    if s is not None and s.samples:
        facts.append(
            f"schedtrace: gomaxprocs={s.gomaxprocs}, runnable goroutines mean "
            f"{s.runnable.mean:.1f} (max {s.runnable.maximum:.0f}), spinning threads mean "
            f"{s.spinning.mean:.1f}"
        )
    return Verdict(
        "scheduler-thrash",
        _grade(share, t.scheduler_percent),
        f"{share:.0f}% of the CPU goes to scheduling goroutines, not running them",
        facts + _sites(b, SCHEDULER),
    )


def _locks(evidence: Evidence, t: Thresholds, profiled: bool) -> Verdict | None:
    b = evidence.breakdown
    if b is None or not profiled:
        return None
    share = b.percent(LOCKS)
    if share < t.locks_percent:
        return None
    return Verdict(
        "lock-contention",
        _grade(share, t.locks_percent),
        f"{share:.0f}% of the CPU goes to contended locks",
        [f"locks {share:.1f}% of {b.samples} samples", *_sites(b, LOCKS)],
    )


def _hot_user(evidence: Evidence, t: Thresholds, profiled: bool) -> Verdict | None:
    b = evidence.breakdown
    if b is None or not profiled or not b.user_functions:
        return None
    top = b.user_functions[0]
    if top.percent < t.hot_function_percent:
        return None
    return Verdict(
        "hot-user-code",
        Severity.MEDIUM,
        f"{top.name} takes {top.percent:.0f}% of the CPU",
        [
            f"{s.name}: {s.percent:.1f}% of {b.samples} samples ({s.seconds:.2f} s)"
            for s in b.user_functions[:3]
        ],
    )


def _blocking(evidence: Evidence, t: Thresholds, profiled: bool) -> Verdict | None:
    s = evidence.sched
    if s is None or s.samples < 3:
        return None
    facts = []
    threads, runnable = s.threads, s.runnable
    climbing = False
    if threads.trend == "rising" and threads.change >= t.thread_growth:
        climbing = True
        facts.append(
            f"threads {threads.first:.0f} -> {threads.last:.0f} over {threads.span_seconds:.0f} s "
            f"({threads.slope_per_second * 60:+.0f}/min)"
        )
    if runnable.trend == "rising" and runnable.change >= t.runqueue_growth:
        climbing = True
        facts.append(
            f"runnable goroutines {runnable.first:.0f} -> {runnable.last:.0f} over "
            f"{runnable.span_seconds:.0f} s"
        )
    growing = s.growing_statuses(t.status_growth)
    for series in growing[:3]:
        facts.append(
            f"goroutines {series.name}: {series.first:.0f} -> {series.last:.0f} (keeps growing: "
            "leak evidence, see gotriage goroutines)"
        )
    if not climbing and not growing:
        return None
    return Verdict(
        "blocking-without-limit",
        Severity.HIGH if climbing and growing else Severity.MEDIUM,
        "threads or runnable goroutines keep climbing: work blocks and nothing bounds it",
        facts,
    )


__all__ = ["Evidence", "Goroutines", "Thresholds", "Verdict", "evaluate", "gc_not_the_problem"]
