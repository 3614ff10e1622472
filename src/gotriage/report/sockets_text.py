"""``gotriage sockets``: the terminal report. Findings first, worst first; then the tables."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gotriage.model import Severity
from gotriage.report.sockets_json import _states
from gotriage.sockets.analyse import SocketFinding, SocketsAnalysis
from gotriage.sockets.join import GoroutineView

TOP = 10
STYLE = {
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "-"


def _finding(console: Console, n: int, finding: SocketFinding) -> None:
    style = STYLE[finding.severity]
    console.print(
        f"[{style}]{n}. [{finding.severity.value.upper()}][/] [bold]{finding.id}[/]: "
        f"{escape(finding.message)}"
    )
    if finding.processes:
        console.print(f"   process: {escape(', '.join(finding.processes))}")
    console.print("   evidence:")
    for line in finding.evidence:
        console.print(f"     - {escape(line)}")
    for example in finding.examples:
        console.print(f"     [dim]{escape(example)}[/]")
    if finding.goroutines:
        console.print(f"   [bold]goroutines:[/] {escape(finding.goroutines)}")
    console.print(f"   why: {escape(finding.explanation)}")
    console.print(f"   [green]fix:[/] {escape(finding.fix)}")
    console.print()


def render(
    result: SocketsAnalysis,
    console: Console,
    goroutines: GoroutineView | None = None,
    *,
    limit: int | None = TOP,
) -> None:
    where = ", ".join(dict.fromkeys(result.sources))  # "live" once for live samples
    span = f" over {result.span_seconds:.0f} s" if result.span_seconds else ""
    console.print(
        f"[bold]{result.total} TCP sockets[/] from {escape(where)} ({result.format}), "
        f"{result.samples} sample(s){span}"
    )
    console.print(f"states: {_counts(_states(result.states))}")
    for side in ("server", "client"):
        console.print(f"{side} side: {_counts(_states(result.sides[side]))}")
    if result.summary:
        console.print(f"ss -s: {_counts(result.summary)}")
    console.print()
    if result.findings:
        for n, finding in enumerate(result.findings, 1):
            _finding(console, n, finding)
    else:
        console.print("[green]no finding[/]\n")
    ports = result.ports if limit is None else result.ports[:limit]
    if ports:
        table = Table(title="Server ports", title_justify="left")
        for column in ("port", "process", "backlog", "accept queue", "connections", "Recv-Q"):
            table.add_column(column, overflow="fold")
        for row in ports:
            table.add_row(
                str(row.port),
                escape(", ".join(row.processes) or "?"),
                "?" if row.backlog is None else str(row.backlog),
                "?" if row.accept_queue is None else str(row.accept_queue),
                _counts(_states(row.states)),
                str(row.recv_q),
            )
        console.print(table)
    upstreams = result.upstreams if limit is None else result.upstreams[:limit]
    if upstreams:
        table = Table(title="Client side, by remote", title_justify="left")
        table.add_column("remote")
        table.add_column("connections", overflow="fold")
        for remote, counts in upstreams:
            table.add_row(escape(remote), _counts(_states(counts)))
        console.print(table)
    if result.remote_addresses:
        console.print(
            "top remote addresses of server connections: "
            + ", ".join(f"{a} ({n})" for a, n in result.remote_addresses)
        )
    if result.counters:
        growth = result.counter_growth
        console.print(
            "kernel counters: "
            + ", ".join(
                f"{k.split('.')[-1]} {v}" + (f" (+{growth[k]})" if growth.get(k) else "")
                for k, v in result.counters.items()
                if v or growth.get(k)
            )
        )
    if result.limits:
        console.print("limits: " + ", ".join(f"{k} {v}" for k, v in result.limits.items()))
    if goroutines is not None:
        console.print(
            f"goroutines ({escape(goroutines.source)}): {goroutines.total}, net/http phases "
            f"{_counts(dict(goroutines.phases.most_common()))}"
        )
        for line in goroutines.suspects:
            console.print(f"  suspect: {escape(line)}")
    for line in result.missing:
        console.print(f"[yellow]not in this input:[/] {escape(line)}")
    for line in result.notes:
        console.print(f"[dim]note: {escape(line)}[/]")
    if result.issues:
        console.print(f"[yellow]{len(result.issues)} line(s) not understood[/], first:")
        for source, number, message in result.issues[:5]:
            console.print(f"  {escape(source)}:{number}: {escape(message)}")
