"""`gotriage history`: targets, sites with a sparkline each, alerts and restarts."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gotriage.watch.alerts import iso
from gotriage.watch.history import History

BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 40


def sparkline(values: list[int], width: int = SPARK_WIDTH) -> str:
    """The values as block characters, scaled from their minimum to their maximum."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[min(len(values) - 1, int(i * step))] for i in range(width - 1)] + [
            values[-1]
        ]
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[min(7, (v - low) * 8 // (span + 1))] for v in values)


def render(history: History, console: Console) -> None:
    if not history.targets:
        console.print(f"{escape(history.path)}: no targets recorded (yet)")
        return
    targets = Table(title="targets", title_justify="left", show_edge=False)
    for column in ("target", "labels", "samples", "errors", "goroutines", "restarts", "last"):
        targets.add_column(column)
    for t in history.targets:
        labels = ",".join(f"{k}={v}" for k, v in sorted(t.labels.items()))
        targets.add_row(
            escape(t.url),
            escape(labels),
            str(t.samples),
            str(t.errors),
            str(t.last_total if t.last_total is not None else "-"),
            str(len(t.restarts)),
            iso(t.last_seen),
        )
    console.print(targets)
    open_sites = {(a.target, a.site) for a in history.open_alerts}
    sites = Table(title="sites (growing first)", title_justify="left", show_edge=False)
    for column in ("", "site", "kind", "now", "peak", "over time"):
        sites.add_column(column)
    for s in history.sites:
        mark = "[bold red]ALERT[/]" if (s.target, s.key) in open_sites else ""
        if s.by_design:
            mark = "[dim]by design[/]"
        where = s.key + (f" {s.function}" if s.function else "")
        if len(history.targets) > 1:
            where = f"{s.target} {where}"
        sites.add_row(
            mark,
            escape(where),
            escape(s.kind),
            str(s.last),
            str(s.peak),
            sparkline([p[1] for p in s.points]),
        )
    console.print(sites)
    if history.alerts:
        alerts = Table(title="alerts", title_justify="left", show_edge=False)
        for column in ("state", "site", "started", "ended", "evidence"):
            alerts.add_column(column)
        for a in history.alerts:
            e = a.evidence
            summary = f"{e.get('first')} -> {e.get('last')}, {e.get('rate_per_hour')}/h"
            if e.get("resolved_because"):
                summary += f"; {e['resolved_because']}"
            alerts.add_row(
                "[bold red]firing[/]" if a.ended is None else "resolved",
                escape(f"{a.site} {a.function}".strip()),
                iso(a.started),
                iso(a.ended) if a.ended is not None else "-",
                escape(summary),
            )
        console.print(alerts)
    for t in history.targets:
        for at, why in t.restarts:
            console.print(f"restart of {escape(t.url)} at {iso(at)}: {escape(why)}")
