"""Per-phase summaries from the timeline, the load's per-phase histograms, the sockets
analysis of each phase's last snapshots and the scenario phase's CPU profile. No I/O."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping

from gotriage.knowledge import socket_findings
from gotriage.reproduce.load import Tally
from gotriage.reproduce.model import PHASES, CpuProfile, PhaseSockets, PhaseSummary, Plan, Second
from gotriage.sockets import analyse as sockets_analysis
from gotriage.sockets.model import SocketTable


def phase_sockets(tables: list[SocketTable], port: int, seconds: float) -> PhaseSockets | None:
    """The server-side findings on ``port`` that hold across ``tables``. A connection counts
    as idle after half the phase (at most the sockets command's own threshold): a phase lasts
    seconds, not the minutes a saved table may span."""
    if not tables:
        return None
    idle = min(socket_findings.IDLE_SECONDS, max(1.0, seconds / 2))
    settings = sockets_analysis.Settings(idle_seconds=idle, port=port)
    analysis = sockets_analysis.analyse(tables, settings)
    return PhaseSockets(
        tables[-1].format,
        len(tables),
        [f for f in analysis.findings if f.side == sockets_analysis.SERVER and f.port == port],
        analysis.missing,
    )


def summarise(
    timeline: list[Second],
    tallies: dict[str, Tally],
    plan: Plan,
    snapshots: Mapping[str, Iterable[SocketTable]] | None = None,
    profile: CpuProfile | None = None,
    *,
    port: int = 0,
) -> dict[str, PhaseSummary]:
    lengths = {"baseline": plan.baseline, "scenario": plan.duration, "recovery": plan.recovery}
    phases: dict[str, PhaseSummary] = {}
    for name in PHASES:
        seconds = [s for s in timeline if s.phase == name]
        summary = PhaseSummary(name, lengths[name])
        counted = [s.goroutines for s in seconds if s.goroutines is not None]
        if counted:
            summary.goroutines_first = counted[0]
            summary.goroutines_peak = max(counted)
            summary.goroutines_last = counted[-1]
        cpu = [s.cpu_percent for s in seconds if s.cpu_percent is not None]
        if cpu:
            summary.cpu_percent_mean = round(statistics.fmean(cpu), 1)
            summary.cpu_percent_max = max(cpu)
        threads = [s.threads for s in seconds if s.threads is not None]
        if threads:
            summary.threads_max = max(threads)
        tables = [s.sockets for s in seconds if s.sockets is not None]
        if tables:
            summary.sockets_last = tables[-1]
            peak: dict[str, int] = {}
            for table in tables:
                for state, n in table.items():
                    peak[state] = max(peak.get(state, 0), n)
            summary.sockets_peak = dict(sorted(peak.items()))
        tally = tallies.get(name)
        if tally is not None:
            summary.requests = tally.completed
            summary.errors = tally.error_count
            summary.error_kinds = dict(sorted(tally.errors.items()))
            if tally.ok:
                h = tally.histogram
                summary.p50 = h.get_value_at_percentile(50) / 1e6
                summary.p99 = h.get_value_at_percentile(99) / 1e6
                summary.p999 = h.get_value_at_percentile(99.9) / 1e6
                summary.max = h.get_max_value() / 1e6
        summary.sockets = phase_sockets(list((snapshots or {}).get(name, ())), port, lengths[name])
        if name == "scenario":
            summary.cpu = profile
        phases[name] = summary
    return phases
