"""``gotriage doctor --format markdown``: for a pull request comment or a CI step summary.

Everything from input goes into code spans or fenced blocks (backticks escaped), so a function
name or header value cannot turn into markup or links."""

from __future__ import annotations

from typing import TextIO

from gotriage.doctor.model import Observation, Result

_ICON = {"high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}


def code(text: str) -> str:
    """``text`` as one inline code span, whatever backticks or newlines it holds."""
    text = " ".join(text.split())
    ticks = "`"
    while ticks in text:
        ticks += "`"
    return f"{ticks} {text} {ticks}" if text else ""


def _plain(text: str) -> str:
    """Text of ours or from input outside a code span: markup characters escaped."""
    out = []
    for ch in " ".join(text.split()):
        out.append("\\" + ch if ch in "\\`*_{}[]()<>#+-!|~" else ch)
    return "".join(out)


def _row(o: Observation) -> str:
    where = code(o.location) if o.location else ""
    return f"| {o.side} | {code(o.id)} | {_plain(o.summary)} | {where} |"


def render(result: Result, out: TextIO) -> None:
    g = result.gathered
    w = out.write
    held = len(result.diagnoses)
    w(f"## gotriage doctor: {held} diagnos{'is' if held == 1 else 'es'}\n\n")
    w("Inputs: " + ", ".join(f"{k} {code(v)}" for k, v in g.inputs.items()) + "\n\n")
    for d in result.diagnoses:
        w(f"### {_ICON[d.severity.value]} {d.severity.value}: {_plain(d.title)}\n\n")
        w(f"Confidence **{d.confidence.value}**, seen by {', '.join(d.sides)}.")
        if d.blind:
            w(f" Not gathered: {', '.join(d.blind)}.")
        w(f"\n\n{_plain(d.explanation)}\n\n")
        w("| side | finding | what | where |\n|---|---|---|---|\n")
        for o in d.supporting:
            w(_row(o) + "\n")
        for o in d.contradicting:
            w(_row(o).replace("| ", "| against: ", 1) + "\n")
        w(f"\n**Fix**: {_plain(d.fix)}\n\n```go\n{d.fix_code}\n```\n\n")
        if d.verify:
            w(f"**Verify**: {code(d.verify)}\n\n")
    if result.other:
        w(f"<details><summary>Other findings ({len(result.other)})</summary>\n\n")
        w("| side | finding | what | where |\n|---|---|---|---|\n")
        for o in result.other:
            w(_row(o) + "\n")
        w("\n</details>\n\n")
    if g.missing:
        w("**Missing**:\n\n")
        for side, why in g.missing.items():
            w(f"- {side}: {_plain(why)}\n")
