"""SVG charts rendered on the server: readable without JavaScript, printable, and checkable.

Each chart is an ``<svg class="chart" data-chart=NAME>`` whose marks carry ``data-label`` and
``data-value``, so a test (or a script of the user's) reads the plotted data back from the DOM.
Labels from input are escaped, and each mark has a ``<title>`` for a hover tooltip."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gotriage.report.html.page import esc

WIDTH = 800
COLOURS = 10


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else "…" + label[-(limit - 1) :]


def bars(
    name: str,
    items: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    label: Callable[[float], str] = _fmt,
    title: str = "",
) -> str:
    """Horizontal bars, one per (label, value), longest first as given."""
    if not items:
        return ""
    row, left = 22, 260
    height = row * len(items) + 8
    top = max((v for _, v in items), default=0.0) or 1.0
    marks = []
    for i, (text, value) in enumerate(items):
        y = 4 + i * row
        width = max(1.0, (WIDTH - left - 90) * value / top)
        marks.append(
            f'<g><text x="{left - 6}" y="{y + 15}" text-anchor="end">{esc(_short(text, 38))}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{width:.1f}" height="{row - 6}" '
            f'fill="var(--c{i % COLOURS})" data-label="{esc(text)}" data-value="{_fmt(value)}">'
            f"<title>{esc(text)}: {esc(label(value))}{esc(unit)}</title></rect>"
            f'<text x="{left + width + 6:.1f}" y="{y + 15}">'
            f"{esc(label(value))}{esc(unit)}</text></g>"
        )
    return (
        f'<svg class="chart" data-chart="{esc(name)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{esc(title or name)}">{"".join(marks)}</svg>'
    )


def paired_bars(
    name: str, items: Sequence[tuple[str, float, float, str, str]], *, title: str = ""
) -> str:
    """Per row a measured value against a recommended one: (label, measured, recommended,
    measured text, recommended text), each bar scaled to its own row's larger value."""
    if not items:
        return ""
    row, left = 40, 200
    height = row * len(items) + 8
    marks = []
    span = WIDTH - left - 150
    for i, (text, measured, recommended, said, advised) in enumerate(items):
        y = 4 + i * row
        top = max(measured, recommended) or 1.0
        mw, rw = max(1.0, span * measured / top), max(1.0, span * recommended / top)
        worse = "var(--high)" if measured > recommended else "var(--good)"
        marks.append(
            f'<g data-row="{esc(text)}"><text x="{left - 6}" y="{y + 20}" text-anchor="end">'
            f"{esc(text)}</text>"
            f'<rect x="{left}" y="{y + 2}" width="{mw:.1f}" height="15" fill="{worse}" '
            f'data-label="{esc(text)} measured" data-value="{_fmt(measured)}">'
            f"<title>measured: {esc(said)}</title></rect>"
            f'<text x="{left + mw + 6:.1f}" y="{y + 14}">measured {esc(said)}</text>'
            f'<rect x="{left}" y="{y + 20}" width="{rw:.1f}" height="15" fill="var(--c7)" '
            f'data-label="{esc(text)} recommended" data-value="{_fmt(recommended)}">'
            f"<title>recommended: {esc(advised)}</title></rect>"
            f'<text x="{left + rw + 6:.1f}" y="{y + 32}">recommended {esc(advised)}</text></g>'
        )
    return (
        f'<svg class="chart" data-chart="{esc(name)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{esc(title or name)}">{"".join(marks)}</svg>'
    )


def treemap(
    name: str, items: Sequence[tuple[str, str, float]], *, height: int = 360, title: str = ""
) -> str:
    """Rectangles sized by value, one column per kind (sized by its total), split by label
    within it: (kind, label, value). Small rectangles keep their tooltip, not their text."""
    items = [i for i in items if i[2] > 0]
    if not items:
        return ""
    kinds: dict[str, list[tuple[str, float]]] = {}
    for kind, label, value in items:
        kinds.setdefault(kind, []).append((label, value))
    total = sum(v for _, _, v in items)
    marks, x = [], 0.0
    for k, (kind, members) in enumerate(
        sorted(kinds.items(), key=lambda kv: -sum(v for _, v in kv[1]))
    ):
        share = sum(v for _, v in members)
        w = WIDTH * share / total
        y = 18.0
        marks.append(
            f'<g data-kind="{esc(kind)}"><text x="{x + 3:.1f}" y="13">'
            f"{esc(_short(kind, max(1, int(w / 7))))}</text>"
        )
        for label, value in sorted(members, key=lambda m: -m[1]):
            h = (height - 18) * value / share
            text = ""
            if h >= 14 and w >= 40:
                text = (
                    f'<text x="{x + 3:.1f}" y="{y + 12:.1f}">'
                    f"{esc(_short(label, max(1, int(w / 7))))}</text>"
                )
            marks.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w - 1, 0.5):.1f}" '
                f'height="{max(h - 1, 0.5):.1f}" fill="var(--c{k % COLOURS})" fill-opacity=".55" '
                f'data-label="{esc(label)}" data-kind="{esc(kind)}" data-value="{_fmt(value)}">'
                f"<title>{esc(label)} ({esc(kind)}): {_fmt(value)}</title></rect>{text}"
            )
            y += h
        marks.append("</g>")
        x += w
    return (
        f'<svg class="chart" data-chart="{esc(name)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{esc(title or name)}">{"".join(marks)}</svg>'
    )


def lines(
    name: str, series: Sequence[tuple[str, Sequence[tuple[float, float]]]], *, title: str = ""
) -> str:
    """One line per (label, [(time, value)...]) over a shared time axis, with a legend."""
    series = [(label, points) for label, points in series if points]
    if not series:
        return ""
    height, left, bottom = 260, 50, 30
    t0 = min(p[0] for _, pts in series for p in pts)
    t1 = max(p[0] for _, pts in series for p in pts)
    top = max(p[1] for _, pts in series for p in pts) or 1.0
    span = (t1 - t0) or 1.0
    plot_w, plot_h = WIDTH - left - 10, height - bottom - 10
    marks = [
        f'<line class="axis" x1="{left}" y1="{10 + plot_h}" x2="{WIDTH - 10}" y2="{10 + plot_h}"/>',
        f'<line class="axis" x1="{left}" y1="10" x2="{left}" y2="{10 + plot_h}"/>',
        f'<text x="{left - 4}" y="16" text-anchor="end">{_fmt(top)}</text>',
        f'<text x="{left - 4}" y="{10 + plot_h}" text-anchor="end">0</text>',
        f'<text x="{WIDTH - 10}" y="{height - 8}" text-anchor="end">{_fmt(span)} s</text>',
    ]
    legend = []
    for i, (label, points) in enumerate(series):
        coords = " ".join(
            f"{left + plot_w * (t - t0) / span:.1f},{10 + plot_h - plot_h * v / top:.1f}"
            for t, v in points
        )
        marks.append(
            f'<polyline points="{coords}" fill="none" stroke="var(--c{i % COLOURS})" '
            f'stroke-width="2" data-label="{esc(label)}" data-value="{_fmt(points[-1][1])}" '
            f'data-points="{len(points)}"><title>{esc(label)}</title></polyline>'
        )
        legend.append(
            f'<li><span style="color:var(--c{i % COLOURS})">■</span> <code>{esc(label)}</code> '
            f"(last {_fmt(points[-1][1])})</li>"
        )
    return (
        f'<svg class="chart" data-chart="{esc(name)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{esc(title or name)}">{"".join(marks)}</svg>'
        f'<ul class="legend">{"".join(legend)}</ul>'
    )
