"""The page shell every HTML report shares, and the escaping all of them use.

The page carries a Content-Security-Policy that allows no script and no remote resource at all,
so even a mistake in escaping could not run code or reach the network; the escaping itself is
:func:`html.escape` with quotes, for text and attribute values alike."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from gotriage.errors import InputError

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)

STYLE = """
:root { --bg: #ffffff; --fg: #1d232a; --muted: #5b6570; --line: #d7dce1; --card: #f5f7f9;
  --high: #c62828; --medium: #b26a00; --low: #1565c0; --info: #6b7280; --good: #2e7d32;
  --c0: #1f77b4; --c1: #ff7f0e; --c2: #2ca02c; --c3: #d62728; --c4: #9467bd; --c5: #8c564b;
  --c6: #e377c2; --c7: #7f7f7f; --c8: #bcbd22; --c9: #17becf; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15191e; --fg: #e6e9ec; --muted: #9aa4ae; --line: #33404c; --card: #1e252c;
    --high: #ef5350; --medium: #ffb74d; --low: #64b5f6; --info: #9ca3af; --good: #81c784; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 1rem 1.25rem 3rem; background: var(--bg);
  color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.5rem; margin: .5rem 0; } h2 { font-size: 1.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: .8rem 0 .4rem; }
.card > h2:first-child { margin-top: .2rem; }
a { color: var(--low); }
.muted { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .8rem 1rem; margin: .8rem 0; overflow-wrap: anywhere; }
.sev { display: inline-block; padding: 0 .45rem; border-radius: 4px; color: #fff;
  font-weight: 600; font-size: .8rem; text-transform: uppercase; }
.sev-high { background: var(--high); } .sev-medium { background: var(--medium); }
.sev-low { background: var(--low); } .sev-info { background: var(--info); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .25rem .4rem;
  vertical-align: top; overflow-wrap: anywhere; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .5rem;
  overflow-x: auto; font-size: .85rem; margin: .4rem 0; }
pre.snippet .hit { background: rgba(255, 193, 7, .25); display: block; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
ul.evidence { margin: .3rem 0; padding-left: 1.2rem; }
svg.chart { width: 100%; height: auto; display: block; margin: .4rem 0; }
svg.chart text { fill: var(--fg); font-size: 12px; }
svg.chart .axis { stroke: var(--line); }
nav ul { columns: 2; padding-left: 1.2rem; }
details summary { cursor: pointer; }
@media (max-width: 640px) { body { padding: .5rem; font-size: 14px; } nav ul { columns: 1; } }
@media print { body { max-width: none; color: #000; background: #fff; }
  .card { break-inside: avoid; border-color: #999; } nav { display: none; }
  details > *:not(summary) { display: block; } }
"""


def esc(text: object) -> str:
    """Text from anywhere, safe in element content and in quoted attribute values."""
    return html.escape(str(text), quote=True)


def page(title: str, body: Iterable[str]) -> str:
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>\n",
            *body,
            "\n</body></html>\n",
        ]
    )


def severity(value: str) -> str:
    return f'<span class="sev sev-{esc(value)}">{esc(value)}</span>'


def snippet(lines: Iterable[tuple[int, str]], hit: int) -> str:
    rows = []
    for number, text in lines:
        row = f"{number:>5}  {esc(text)}"
        rows.append(f'<span class="hit">{row}</span>' if number == hit else row + "\n")
    return f'<pre class="snippet"><code>{"".join(rows)}</code></pre>' if rows else ""


def code_block(text: str, language: str = "go") -> str:
    return f'<pre class="fix"><code class="language-{esc(language)}">{esc(text)}</code></pre>'


def write(path: Path, text: str) -> None:
    """Write the page whole or not at all: a temporary file renamed over the target."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(
            f"cannot write the HTML report: {exc.strerror or exc}", source=str(path)
        ) from None
