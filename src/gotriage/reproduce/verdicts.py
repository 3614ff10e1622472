"""A verdict per scenario: did the server degrade beyond the thresholds, the evidence in one
sentence with the numbers, and the fix from :mod:`gotriage.knowledge.reproduce_fixes`. No I/O.

When several scenarios run together, the goroutine, latency, socket and CPU evidence is the
server's as a whole and is quoted in each scenario's verdict. Socket findings (of the sockets
analysis, per phase) and the CPU categories of the scenario phase's profile are evidence only:
the thresholds alone decide "degraded".
"""

from __future__ import annotations

from gotriage.knowledge.cpu_categories import THRESHOLDS as CPU_THRESHOLDS
from gotriage.knowledge.reproduce_fixes import FIXES
from gotriage.reproduce.model import (
    CpuProfile,
    PhaseSummary,
    Run,
    ScenarioRun,
    Thresholds,
    Verdict,
)
from gotriage.reproduce.scenarios import SCENARIOS
from gotriage.reproduce.scenarios.base import Stats
from gotriage.sockets import states as S
from gotriage.units import format_duration, format_size

NOUNS = {
    "slow-clients": "slow clients",
    "slow-body": "slow request bodies",
    "idle-keepalive": "idle keep-alive connections",
}


def assess(run: Run, thresholds: Thresholds) -> list[Verdict]:
    return [_verdict(run, scenario, thresholds) for scenario in run.scenarios]


def time_wait_peak(run: Run) -> int:
    return max((s.sockets or {}).get(S.TIME_WAIT, 0) for s in run.timeline) if run.timeline else 0


def _verdict(run: Run, scenario: ScenarioRun, limits: Thresholds) -> Verdict:
    name, stats, params = scenario.spec.name, scenario.stats, scenario.spec.params
    baseline, during, recovery = (run.phases.get(p) for p in ("baseline", "scenario", "recovery"))
    reasons: list[str] = []
    evidence: list[str] = []

    if name in NOUNS:
        evidence.append(_held(stats.connections, stats, NOUNS[name], run.plan.recovery))
    elif name == "slow-readers":
        evidence.append(f"{stats.connections:,} readers of {params['path']} stopped reading")
    elif name == "abrupt-close":
        evidence.append(f"{stats.resets:,} connections reset in the middle of a request")
    elif name == "blocking-handler":
        evidence.append(
            f"{stats.requests:,} requests to {params['path']}, {params['clients']:,} in flight "
            "at once"
        )
    elif name == "header-oversize":
        rejected = sum(
            n for status, n in stats.answers.items() if not status.startswith(("2", "3"))
        )
        attempts = stats.requests
        factor = attempts / stats.logical if stats.logical else 0.0
        evidence.append(
            f"{stats.logical:,} requests with a {format_size(params['header_bytes'])} header took "
            f"{attempts:,} attempts ({factor:.1f}x), {rejected:,} rejected"
        )
        if attempts and rejected / attempts > limits.error_rate:
            reasons.append("rejected")
    elif name == "connection-churn":
        peak = time_wait_peak(run)
        evidence.append(
            f"{stats.connections:,} connections without keep-alive; TIME-WAIT sockets on the "
            f"server's port peaked at {peak:,}"
        )
        if peak > limits.time_wait:
            reasons.append("time-wait")

    goroutines = _goroutines(baseline, during, recovery, run.plan.recovery, limits, reasons)
    evidence.append(goroutines)
    base_p99 = baseline.p99 if baseline is not None else None
    scenario_p99 = during.p99 if during is not None else None
    if base_p99 is not None and scenario_p99 is not None:
        evidence.append(
            f"p99 of normal requests {format_duration(base_p99)} -> {format_duration(scenario_p99)}"
        )
        if (
            scenario_p99 > base_p99 * limits.p99_ratio
            and scenario_p99 - base_p99 > limits.p99_increase
        ):
            reasons.append("latency")
    evidence.extend(_socket_findings(during, recovery))
    if during is not None and during.cpu is not None and during.cpu.error is None:
        evidence.append(_cpu(during.cpu))
    failing = max((p.error_rate for p in (during, recovery) if p is not None), default=0.0)
    if failing:
        evidence.append(f"{failing:.1%} of normal requests failed")
    if failing > limits.error_rate:
        reasons.append("errors")

    fix = FIXES[SCENARIOS[name].FIX]
    if run.interrupted:
        evidence = [e for e in evidence if not e.startswith("no ")]
        advice = "interrupted before the recovery phase ended: no verdict"
        return Verdict(name, False, [], "; ".join(evidence), advice, fix.setting)
    degraded = bool(reasons)
    if degraded:
        advice = fix.missing
    else:
        advice = fix.working
        if stats.closed_median_seconds is not None and name in NOUNS:
            advice += f" after a median of {format_duration(stats.closed_median_seconds)}"
    return Verdict(
        name, degraded, reasons, "; ".join(e for e in evidence if e), advice, fix.setting
    )


def _socket_findings(*phases: PhaseSummary | None) -> list[str]:
    """Each sockets finding once, in the first phase it held in."""
    said: set[str] = set()
    lines = []
    for phase in phases:
        if phase is None or phase.sockets is None:
            continue
        for finding in phase.sockets.findings:
            if finding.id not in said:
                said.add(finding.id)
                lines.append(f"sockets in the {phase.name} phase: {finding.id}, {finding.message}")
    return lines


def _cpu(profile: CpuProfile) -> str:
    seconds = format_duration(profile.seconds)
    if profile.samples < CPU_THRESHOLDS["min_samples"][0]:
        return f"CPU profile of the scenario ({seconds}): nearly idle ({profile.samples} samples)"
    top = sorted(profile.categories.items(), key=lambda kv: -kv[1])[:3]
    shares = ", ".join(f"{name} {percent:.0f}%" for name, percent in top if percent)
    return f"CPU profile of the scenario ({seconds}): {shares}"


def _held(count: int, stats: Stats, noun: str, recovery_seconds: float) -> str:
    if count == 0:
        return f"no {noun} could be opened"
    recovery = format_duration(recovery_seconds)
    if stats.open_at_end >= count:
        return f"{count:,} {noun} held for the whole scenario and {recovery} of recovery"
    if stats.open_at_scenario_end >= count:
        closed = count - stats.open_at_end
        return (
            f"{count:,} {noun} held for the whole scenario; the server closed {closed:,} "
            "in recovery"
        )
    median = stats.closed_median_seconds
    after = f" after a median of {format_duration(median)}" if median is not None else ""
    return f"the server closed {stats.closed_by_server:,} of {count:,} {noun}{after}"


def _goroutines(
    baseline: PhaseSummary | None,
    during: PhaseSummary | None,
    recovery: PhaseSummary | None,
    recovery_seconds: float,
    limits: Thresholds,
    reasons: list[str],
) -> str:
    base = baseline.goroutines_last if baseline is not None else None
    after = recovery.goroutines_last if recovery is not None else None
    peaks = [p.goroutines_peak for p in (during, recovery) if p is not None and p.goroutines_peak]
    if base is None or after is None or not peaks:
        return "goroutines not measured"
    peak = max(peaks)
    length = format_duration(recovery_seconds)
    if after - base > limits.goroutines_left:
        reasons.append("goroutines")
        return f"goroutines {base:,} -> {peak:,} and still {after:,} after {length} of recovery"
    return f"goroutines {base:,} -> {peak:,}, back to {after:,} after {length} of recovery"
