"""``gotriage cpu``: the terminal report. Where the CPU went (a bar per category), the verdicts
worst first, then what the schedtrace, gctrace, execution trace and comparison add."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gotriage.cpu.analyse import CpuAnalysis
from gotriage.cpu.series import Series
from gotriage.knowledge.cpu_categories import CATEGORIES, RUNTIME_OTHER, USER
from gotriage.model import Severity

BAR_WIDTH = 30
STYLE = {
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
_TITLES = {c.name: c.title for c in CATEGORIES}
_ARROW = {"rising": "↗ rising", "falling": "↘ falling", "flat": "→ flat"}


def bar(percent: float, width: int = BAR_WIDTH) -> str:
    """A bar of ``width`` cells for 0-100 %, in eighths of a cell."""
    eighths = round(max(0.0, min(percent, 100.0)) / 100 * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("" if not part else " ▏▎▍▌▋▊▉"[part])


def _categories(console: Console, analysis: CpuAnalysis) -> None:
    b = analysis.breakdown
    if b is None:
        return
    wall = f" over {b.duration_seconds:.1f} s" if b.duration_seconds else ""
    console.print(
        f"[bold]Where the CPU went[/]: {b.samples} samples, {b.seconds:.2f} s of CPU{wall}"
    )
    table = Table(box=None, show_header=True, pad_edge=False)
    table.add_column("category")
    table.add_column("", no_wrap=True)
    table.add_column("%", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("top functions / what drives it")
    for c in b.categories:
        if not c.samples:
            continue
        if c.name in (USER, RUNTIME_OTHER) or not c.call_sites:
            detail = ", ".join(escape(f.name) for f in c.functions[:2])
        else:
            callers = dict.fromkeys(s.name for s in c.call_sites)
            detail = "from " + ", ".join(escape(name) for name in list(callers)[:2])
        style = "bold" if c.name == b.dominant else ""
        table.add_row(
            f"[{style}]{c.name}[/]" if style else c.name,
            f"[magenta]{bar(c.percent)}[/]",
            f"{c.percent:.1f}",
            f"{c.seconds:.2f}",
            detail,
        )
    console.print(table)
    if b.user_functions:
        top = ", ".join(f"{escape(s.name)} {s.percent:.1f}%" for s in b.user_functions[:3])
        console.print(f"  your code: {top}")
    console.print()


def _verdicts(console: Console, analysis: CpuAnalysis) -> None:
    if not analysis.verdicts:
        console.print("[green]No verdict[/]: nothing here says the CPU is being wasted.")
    for n, v in enumerate(analysis.verdicts, 1):
        style = STYLE[v.severity]
        console.print(f"[{style}]{n}. [{v.severity.value.upper()}] {v.id}[/]: {escape(v.summary)}")
        for fact in v.evidence:
            console.print(f"   - {escape(fact)}")
        console.print(f"   [bold]why[/]: {escape(v.explanation)}")
        console.print(f"   [bold]fix[/]: {escape(v.fix)}")
        for command in v.confirm:
            console.print(f"   [bold]confirm[/]: {escape(command)}")
    if analysis.gc_not_the_problem:
        console.print("[green]GC is not the problem[/]: it takes little of the CPU here.")
    console.print()


def _series_line(series: Series, unit: str = "") -> str:
    if not series.count:
        return f"{series.name}: no data"
    return (
        f"{series.name}: {series.first:g} -> {series.last:g}{unit} "
        f"(min {series.minimum:g}, max {series.maximum:g}, mean {series.mean:.1f}), "
        f"{_ARROW[series.trend]}"
    )


def _sched(console: Console, analysis: CpuAnalysis) -> None:
    s = analysis.sched
    if s is None:
        return
    console.print(
        f"[bold]schedtrace[/]: {s.samples} samples, {s.first_ms / 1000:.1f} s to "
        f"{s.last_ms / 1000:.1f} s, gomaxprocs={s.gomaxprocs}"
    )
    for series in (s.runnable, s.idleprocs, s.threads, s.spinning):
        console.print(f"  {escape(_series_line(series))}")
    if s.detailed:
        growing = s.growing_statuses(analysis.thresholds.status_growth)
        busiest = sorted(s.statuses.values(), key=lambda x: -(x.last or 0))[:6]
        for series in busiest:
            mark = (
                "  [red]keeps growing: leak evidence (gotriage goroutines)[/]"
                if series in growing
                else ""
            )
            console.print(f"  goroutines {escape(_series_line(series))}{mark}")
    console.print()


def _gc(console: Console, analysis: CpuAnalysis) -> None:
    g = analysis.gc
    if g is None:
        return
    rate = f", {g.per_second:.2f} GCs/s" if g.per_second else ""
    window = g.window_cpu_percent
    window_text = f", {window:.1f}% of the CPU over the log's window" if window is not None else ""
    console.print(
        f"[bold]gctrace[/]: {g.cycles} cycles{rate}; GC CPU {g.latest_cpu_percent}% since "
        f"start{window_text}"
    )
    for series in (g.cpu_percent, g.heap_live, g.heap_goal):
        console.print(f"  {escape(_series_line(series, ' ' + series.unit))}")
    console.print()


def _trace(console: Console, analysis: CpuAnalysis) -> None:
    t = analysis.trace
    if t is None:
        return
    console.print(f"[bold]Execution trace[/] ({escape(t.source)}): time blocked, by site")
    for block in t.blocking.values():
        mean = f", mean {block.mean_ms:.2f} ms" if block.events else ""
        console.print(
            f"  {block.kind}: {block.seconds:.2f} s {block.meaning} ({block.events} events{mean})"
        )
        for site in block.sites[:4]:
            console.print(
                f"    {site.seconds:8.2f} s {site.percent:5.1f}%  {escape(site.site)} "
                f"[dim]{escape(site.location)}[/]"
            )
    console.print()


def _goroutines(console: Console, analysis: CpuAnalysis) -> None:
    g = analysis.goroutines
    if g is None:
        return
    console.print(
        f"[bold]Goroutines[/]: {g.before} before the profile, {g.after} after; net/http "
        f"connections waiting for a request: {g.waiting_for_request_before} -> "
        f"{g.waiting_for_request_after}"
    )
    console.print()


def _comparison(console: Console, analysis: CpuAnalysis) -> None:
    c = analysis.comparison
    if c is None:
        return
    console.print(f"[bold]Compared with[/] {escape(c.base_source)} ({c.base_samples} samples)")
    for d in c.categories:
        if abs(d.points) >= 0.5:
            console.print(
                f"  {d.name}: {d.base_percent:.1f}% -> {d.percent:.1f}% ({d.points:+.1f} points)"
            )
    for d in c.functions[:5]:
        console.print(f"  {escape(d.name)}: {d.points:+.1f} points")
    console.print()


def render(analysis: CpuAnalysis, console: Console) -> None:
    _categories(console, analysis)
    _verdicts(console, analysis)
    _goroutines(console, analysis)
    _sched(console, analysis)
    _gc(console, analysis)
    _trace(console, analysis)
    _comparison(console, analysis)
    for note in analysis.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    for source, issue in analysis.issues[:10]:
        console.print(f"[dim]{escape(source)}:{issue.line}: {escape(issue.message)}[/]")
    if len(analysis.issues) > 10:
        console.print(f"[dim]... and {len(analysis.issues) - 10} more lines not understood[/]")
