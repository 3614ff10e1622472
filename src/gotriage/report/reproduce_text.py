"""`gotriage reproduce` text report: the plan, each server's phases, a small chart of goroutines
and p99 over time, and the verdicts; with --compare, the two servers side by side."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gotriage.reproduce.model import PHASES, PhaseSummary, Plan, Run, Thresholds
from gotriage.sockets import states as S
from gotriage.units import format_duration

BLOCKS = "▁▂▃▄▅▆▇█"
PHASE_MARKS = {"baseline": "b", "scenario": "s", "recovery": "r"}


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else format_duration(seconds)


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _params(params: dict[str, object]) -> str:
    shown = []
    for key, value in params.items():
        text = (
            format_duration(value)
            if isinstance(value, float) and key in ("interval", "hold", "read_interval", "timeout")
            else str(value)
        )
        shown.append(f"{key}={text}")
    return ", ".join(shown)


def sparkline(values: list[float | None]) -> str:
    """One block per value, scaled from 0 to the largest; a gap where nothing was measured."""
    known = [v for v in values if v is not None]
    top = max(known, default=0.0)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif top <= 0:
            out.append(BLOCKS[0])
        else:
            out.append(BLOCKS[min(len(BLOCKS) - 1, int(v / top * (len(BLOCKS) - 1) + 0.5))])
    return "".join(out)


def chart(run: Run) -> list[str]:
    goroutines = [float(s.goroutines) if s.goroutines is not None else None for s in run.timeline]
    p99 = [s.p99 for s in run.timeline]
    marks = "".join(PHASE_MARKS[s.phase] for s in run.timeline)
    peak_g = max((g for g in goroutines if g is not None), default=None)
    peak_p = max((p for p in p99 if p is not None), default=None)
    peak_text = _n(int(peak_g)) if peak_g is not None else "-"
    return [
        f"  goroutines {sparkline(goroutines)}  peak {peak_text}",
        f"  p99        {sparkline(p99)}  peak {_ms(peak_p)}",
        f"  phase      {marks}  (one column a second: b baseline, s scenario, r recovery)",
    ]


def _sockets(table: dict[str, int] | None) -> str:
    if not table:
        return "-"
    return " ".join(f"{state} {n:,}" for state, n in table.items() if state != S.LISTEN)


def phase_table(run: Run) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in (
        "phase",
        "goroutines",
        "p50",
        "p99",
        "p99.9",
        "errors",
        "CPU %",
        "threads",
        "sockets (peak)",
    ):
        table.add_column(
            column, justify="left" if column in ("phase", "sockets (peak)") else "right"
        )
    for name in PHASES:
        p = run.phases.get(name) or PhaseSummary(name, 0)
        goroutines = (
            "-"
            if p.goroutines_first is None
            else f"{p.goroutines_first:,} → {p.goroutines_peak:,} → {p.goroutines_last:,}"
        )
        cpu = (
            "-"
            if p.cpu_percent_mean is None
            else f"{p.cpu_percent_mean:.0f} / {p.cpu_percent_max:.0f}"
        )
        errors = f"{p.errors:,} ({p.error_rate:.1%})" if p.requests else "-"
        table.add_row(
            name,
            goroutines,
            _ms(p.p50),
            _ms(p.p99),
            _ms(p.p999),
            errors,
            cpu,
            _n(p.threads_max),
            _sockets(p.sockets_peak),
        )
    return table


def evidence_lines(run: Run) -> list[str]:
    """Under the phase table: the scenario phase's CPU categories and each phase's socket
    findings (the sockets analysis of the target's port)."""
    lines = []
    for name in PHASES:
        p = run.phases.get(name)
        if p is None:
            continue
        if p.cpu is not None:
            if p.cpu.error is not None:
                lines.append(f"  {name} CPU profile: none ({p.cpu.error})")
            else:
                shares = sorted(p.cpu.categories.items(), key=lambda kv: -kv[1])
                text = ", ".join(f"{c} {pct:.0f}%" for c, pct in shares if pct >= 0.5) or "idle"
                lines.append(
                    f"  {name} CPU profile ({format_duration(p.cpu.seconds)}, "
                    f"{p.cpu.samples:,} sample{'' if p.cpu.samples == 1 else 's'}): {text}"
                )
        if p.sockets is not None:
            for finding in p.sockets.findings:
                lines.append(f"  {name} sockets: {finding.id}: {finding.message}")
    return lines


def _verdict_lines(run: Run) -> list[Text]:
    lines = []
    for v in run.verdicts:
        line = Text("  ")
        line.append(
            "DEGRADED" if v.degraded else "held up",
            style="bold red" if v.degraded else "bold green",
        )
        line.append(f"  {v.scenario}: {v.evidence}; {v.fix}")
        lines.append(line)
    return lines


def _header(plan: Plan) -> str:
    scenarios = "; ".join(f"{s.name} ({_params(s.params)})" for s in plan.scenarios)
    return (
        f"gotriage reproduce: {scenarios}\n"
        f"seed {plan.seed} · baseline {format_duration(plan.baseline)}, scenario "
        f"{format_duration(plan.duration)}, recovery {format_duration(plan.recovery)} · "
        "normal load "
        f"{plan.rate:g} requests/s to {plan.load_path} over {plan.load_connections} connections, "
        "latency from each request's scheduled time"
    )


def _target_line(run: Run) -> str:
    pid = f", pid {run.pid}" if run.pid else ""
    return f"{run.url} ({run.address}{pid}; goroutines from {run.pprof})"


def _compare_table(runs: list[Run]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("")
    for run in runs:
        table.add_column(run.url, justify="right")

    def row(label: str, cell: Callable[[Run], str]) -> None:
        table.add_row(label, *(cell(r) for r in runs))

    def phase(r: Run, name: str) -> PhaseSummary:
        return r.phases.get(name) or PhaseSummary(name, 0)

    row("goroutines at baseline", lambda r: _n(phase(r, "baseline").goroutines_last))
    row(
        "goroutines peak",
        lambda r: _n(max((p.goroutines_peak or 0 for p in r.phases.values()), default=None)),
    )
    row("goroutines after recovery", lambda r: _n(phase(r, "recovery").goroutines_last))
    for name in PHASES:

        def p99_of(r: Run, n: str = name) -> str:
            return _ms(phase(r, n).p99)

        row(f"p99 {name}", p99_of)
    row("p99.9 scenario", lambda r: _ms(phase(r, "scenario").p999))
    row("errors scenario", lambda r: f"{phase(r, 'scenario').error_rate:.1%}")
    row(
        "CPU % scenario (mean)",
        lambda r: (
            "-"
            if phase(r, "scenario").cpu_percent_mean is None
            else f"{phase(r, 'scenario').cpu_percent_mean:.0f}"
        ),
    )
    row("sockets scenario (peak)", lambda r: _sockets(phase(r, "scenario").sockets_peak))
    row(
        "verdict",
        lambda r: (
            ", ".join(("DEGRADED " if v.degraded else "held up ") + v.scenario for v in r.verdicts)
            or "-"
        ),
    )
    return table


def render(
    runs: list[Run], plan: Plan, limits: Thresholds, exit_code: int, console: Console
) -> None:
    console.print(_header(plan))
    for run in runs:
        console.print()
        console.print(Text(_target_line(run), style="bold"))
        for note in run.notes:
            console.print(f"  note: {note}")
        console.print(phase_table(run))
        for evidence_line in evidence_lines(run):
            console.print(evidence_line)
        for chart_line in chart(run):
            console.print(chart_line)
        for verdict_line in _verdict_lines(run):
            console.print(verdict_line)
        if run.interrupted:
            console.print("  interrupted: the figures above cover what ran before Ctrl-C")
    if len(runs) > 1:
        console.print()
        console.print(Text("side by side", style="bold"))
        console.print(_compare_table(runs))
    console.print()
    console.print(
        f"thresholds: goroutines left > {limits.goroutines_left} above baseline; scenario p99 > "
        f"{limits.p99_ratio:g}x baseline and > +{format_duration(limits.p99_increase)}; errors > "
        f"{limits.error_rate:.1%}; TIME-WAIT > {limits.time_wait:,}"
    )
    verdict = {0: "held up within the thresholds", 1: "degraded beyond a threshold"}.get(
        exit_code, "interrupted"
    )
    console.print(f"exit {exit_code}: {verdict}")
