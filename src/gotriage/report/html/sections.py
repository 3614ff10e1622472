"""The parts of a report each command's page shows, shared by the doctor page: where the CPU
went, the goroutine groups, the probe's limits, the socket states and the watch history.

Each function takes that analysis' own result and returns HTML; nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gotriage.model import Frame
from gotriage.report.html import charts
from gotriage.report.html.page import esc, snippet

Context = Callable[[Frame], list[tuple[int, str]]]  # source lines around a frame
TREEMAP_GROUPS = 1500  # the largest groups drawn; the rest are summed as one "other" mark
TABLE_GROUPS = 200
TOP_SITES = 8
TABLE_SUSPECTS = 50  # suspects shown in full with their source; all are in the groups table


def cpu(analysis: Any) -> str:
    b = getattr(analysis, "breakdown", None)
    if b is None:
        return ""
    from gotriage.knowledge.cpu_categories import CATEGORIES

    titles = {c.name: c.title for c in CATEGORIES}
    shares = sorted((c for c in b.categories if c.samples), key=lambda c: -c.percent)
    chart = charts.bars(
        "cpu-categories",
        [(titles.get(c.name, c.name), round(c.percent, 1)) for c in shares],
        unit=" %",
        title="CPU by category",
    )
    users = "".join(
        f"<tr><td><code>{esc(s.name)}</code></td><td>{s.percent:.1f} %</td>"
        f"<td>{esc(s.location)}</td></tr>"
        for s in b.user_functions[:10]
    )
    verdicts = "".join(
        f"<li><b>{esc(v.id)}</b> ({esc(v.severity.value)}): {esc(v.summary)}</li>"
        for v in analysis.verdicts
    )
    return (
        f'<section id="cpu"><h2>Where the CPU went</h2><p class="muted">{b.samples} samples, '
        f"{b.seconds:.2f} s of CPU</p>{chart}"
        + (f"<ul>{verdicts}</ul>" if verdicts else "")
        + (
            f"<table><tr><th>user function</th><th>share</th><th>where</th></tr>{users}</table>"
            if users
            else ""
        )
        + "</section>"
    )


def goroutines(analysis: Any, context: Context | None = None) -> str:
    groups = analysis.groups_worst_first()
    biggest = sorted(groups, key=lambda g: -g.count)
    items = [(g.kind.value, g.location, float(g.count)) for g in biggest[:TREEMAP_GROUPS]]
    rest = sum(g.count for g in biggest[TREEMAP_GROUPS:])
    if rest:
        items.append(("other", f"{len(biggest) - TREEMAP_GROUPS} smaller groups", float(rest)))
    chart = charts.treemap("goroutine-groups", items, title="goroutine groups by kind and site")
    rows = []
    for g in groups[:TABLE_GROUPS]:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(g.labels))
        rows.append(
            f"<tr><td>{g.count}</td><td>{esc(g.kind.value)}</td><td><code>{esc(g.location)}"
            f"</code></td><td><code>{esc(g.site.function if g.site else '')}</code></td>"
            f"<td>{esc(g.state)}</td><td>{esc(labels)}</td></tr>"
        )
    suspects = []
    for i, s in enumerate(analysis.suspects[:TABLE_SUSPECTS], 1):
        where = s.location
        code = ""
        if where is not None and context is not None:
            code = snippet(context(where), where.line)
        evidence = "".join(f"<li>{esc(e.text)}</li>" for e in s.evidence)
        suspects.append(
            f'<div class="card" id="suspect-{i}"><h3>{esc(s.pattern.title)}</h3>'
            f"<p>{s.group.count} goroutine(s) at <code>"
            f"{esc(where.location if where is not None else s.group.location)}</code> "
            f"(confidence {esc(s.confidence.value)})</p>{code}"
            f'<ul class="evidence">{evidence}</ul><p>{esc(s.pattern.fix)}</p></div>'
        )
    growth = ""
    if analysis.growth:
        growth = charts.bars(
            "goroutine-growth",
            [
                (g.group.location, float(g.delta))
                for g in analysis.growth[:TOP_SITES]
                if g.delta > 0
            ],
            title="growth between the two dumps",
        )
    return (
        f'<section id="goroutines"><h2>Goroutines</h2><p class="muted">'
        f"{analysis.grouping.total} goroutines in {len(groups)} groups; leak profile "
        f"{esc(analysis.leak_profile)}</p>{chart}{growth}{''.join(suspects)}"
        "<details><summary>Groups</summary><table><tr><th>count</th><th>kind</th><th>site</th>"
        "<th>function</th>"
        f"<th>state</th><th>labels</th></tr>{''.join(rows)}</table></details></section>"
    )


def probe(report: Any) -> str:
    from gotriage.probe.model import Status, Unit
    from gotriage.probe.verdicts import ADVICE
    from gotriage.units import format_duration

    items = []
    for m in report.measurements:
        advice = ADVICE.get(m.name)
        if m.unit is not Unit.SECONDS or m.value is None or advice is None:
            continue
        if m.status not in (Status.MEASURED, Status.NONE):
            continue
        said = (
            format_duration(m.value)
            if m.status is Status.MEASURED
            else (f"none up to {format_duration(m.value)}")
        )
        items.append(
            (m.name, float(m.value), advice.good_max, said, f"≤ {format_duration(advice.good_max)}")
        )
    rows = "".join(
        f"<tr><td>{esc(m.name)}</td><td>{esc(m.status.value)}</td><td>{esc(m.value)}</td>"
        f"<td>{esc(m.verdict.value if m.verdict else '')}</td><td>{esc(m.recommended)}</td></tr>"
        for m in report.measurements
    )
    return (
        f'<section id="probe"><h2>Measured limits</h2><p class="muted">{esc(report.target)}</p>'
        + charts.paired_bars("probe-limits", items, title="measured limits against recommended")
        + "<table><tr><th>measurement</th><th>status</th><th>value</th><th>verdict</th>"
        f"<th>recommended</th></tr>{rows}</table></section>"
    )


def sockets(analysis: Any) -> str:
    states = sorted(analysis.states.items(), key=lambda kv: -kv[1])
    chart = charts.bars("socket-states", [(s, float(n)) for s, n in states], title="socket states")
    findings = "".join(
        f"<li><b>{esc(f.id)}</b> ({esc(f.severity.value)}): {esc(f.message)}</li>"
        for f in analysis.findings
    )
    return (
        f'<section id="sockets"><h2>Sockets</h2><p class="muted">{analysis.total} sockets in '
        f"{analysis.samples} sample(s)</p>{chart}"
        + (f"<ul>{findings}</ul>" if findings else "")
        + "</section>"
    )


def history(h: Any) -> str:
    sites = sorted(h.sites, key=lambda s: -s.peak)[:TOP_SITES]
    chart = charts.lines(
        "site-growth",
        [
            (f"{s.function} {s.file}:{s.line}", [(t, float(c)) for t, c, _ in s.points])
            for s in sites
        ],
        title="goroutines per site over time",
    )
    alerts = "".join(
        f"<li>{esc(a.state)}: <code>{esc(a.function or a.site)}</code> ({esc(a.kind)})</li>"
        for a in h.alerts
    )
    return (
        f'<section id="history"><h2>Watch history</h2><p class="muted">{esc(h.path)}: '
        f"{len(h.targets)} target(s), {len(h.sites)} site(s)</p>{chart}"
        + (f"<ul>{alerts}</ul>" if alerts else "")
        + "</section>"
    )
