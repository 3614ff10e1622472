"""``gotriage doctor --html FILE``: the diagnoses first, each with its evidence, source snippets
and the fix as code, then the charts of every analysis that was gathered."""

from __future__ import annotations

from pathlib import Path

from gotriage.doctor.model import Observation, Result
from gotriage.report.html import sections
from gotriage.report.html.page import code_block, esc, page, severity, snippet, write


def _observation(o: Observation) -> str:
    hit = (
        int(o.location.rsplit(":", 1)[1])
        if o.snippet and o.location.rsplit(":", 1)[-1].isdigit()
        else 0
    )
    details = "".join(f"<li>{esc(d)}</li>" for d in o.details)
    where = f" <code>{esc(o.location)}</code>" if o.location else ""
    return (
        f'<li class="observation" data-side="{esc(o.side)}" data-id="{esc(o.id)}">'
        f"<b>{esc(o.side)}</b> <code>{esc(o.id)}</code> {severity(o.severity.value)} "
        f"{esc(o.summary)}{where}"
        + (f'<ul class="evidence">{details}</ul>' if details else "")
        + snippet(o.snippet, hit)
        + "</li>"
    )


SHOWN = 25  # observations shown open per list; the rest are one click away


def _list(found: list[Observation]) -> str:
    shown = "".join(_observation(o) for o in found[:SHOWN])
    rest = "".join(_observation(o) for o in found[SHOWN:])
    more = f"<details><summary>{len(found) - SHOWN} more</summary><ul>{rest}</ul></details>"
    return f"<ul>{shown}</ul>" + (more if rest else "")


def render(result: Result) -> str:
    g = result.gathered
    body = [
        "<h1>gotriage doctor</h1>",
        f'<p class="muted">{esc(", ".join(f"{k} {v}" for k, v in g.inputs.items()))} '
        f"({g.elapsed:g} s of a {g.budget:g} s budget)</p>",
    ]
    toc = [
        f'<li><a href="#diagnosis-{i}">{esc(d.title)}</a></li>'
        for i, d in enumerate(result.diagnoses, 1)
    ]
    parts = []
    for name, present in (
        ("cpu", g.cpu is not None and getattr(g.cpu, "breakdown", None) is not None),
        ("goroutines", g.goroutines is not None),
        ("probe", g.probe is not None),
        ("sockets", g.sockets is not None),
        ("history", g.history is not None),
    ):
        if present:
            toc.append(f'<li><a href="#{name}">{name}</a></li>')
    toc += [
        '<li><a href="#other">other findings</a></li>',
        '<li><a href="#gathered">gathered and missing</a></li>',
    ]
    body.append(f"<nav><ul>{''.join(toc)}</ul></nav>")
    if not result.diagnoses:
        body.append(
            '<p class="card" id="no-diagnosis">No diagnosis holds on the evidence gathered.</p>'
        )
    for i, d in enumerate(result.diagnoses, 1):
        against = _list(d.contradicting) if d.contradicting else ""
        blind = (
            f'<p class="muted">Not gathered, would also show it: {esc(", ".join(d.blind))}</p>'
            if d.blind
            else ""
        )
        body.append(
            f'<section class="card diagnosis" id="diagnosis-{i}" data-diagnosis="{esc(d.id)}">'
            f"<h2>{severity(d.severity.value)} {esc(d.title)}</h2>"
            f'<p class="muted">confidence {esc(d.confidence.value)}; seen by '
            f"{esc(', '.join(d.sides))}</p><p>{esc(d.explanation)}</p>"
            f"<h3>Evidence</h3>{_list(d.supporting)}"
            + (f"<h3>Against</h3>{against}" if against else "")
            + blind
            + f"<h3>Fix</h3><p>{esc(d.fix)}</p>{code_block(d.fix_code)}"
            + (f"<h3>Verify</h3>{code_block(d.verify, 'shell')}" if d.verify else "")
            + "</section>"
        )
    from gotriage.doctor.join import file_context

    context = file_context((Path(g.inputs["source"]),) if "source" in g.inputs else ())
    if g.cpu is not None:
        parts.append(sections.cpu(g.cpu))
    if g.goroutines is not None:
        parts.append(sections.goroutines(g.goroutines, lambda f: context(f.file, f.line)))
    if g.probe is not None:
        parts.append(sections.probe(g.probe))
    if g.sockets is not None:
        parts.append(sections.sockets(g.sockets))
    if g.history is not None:
        parts.append(sections.history(g.history))
    body.extend(parts)
    other = _list(result.other)
    body.append(
        f'<section id="other"><h2>Other findings ({len(result.other)})</h2>{other}</section>'
    )
    collected = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in g.collected.items()
    )
    missing = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in g.missing.items())
    body.append(
        '<section id="gathered"><h2>Gathered and missing</h2>'
        f"<table><tr><th>gathered</th><th></th></tr>{collected}</table>"
        + (f"<table><tr><th>missing</th><th></th></tr>{missing}</table>" if missing else "")
        + "</section>"
    )
    return page("gotriage doctor", body)


def write_report(result: Result, path: Path) -> None:
    write(path, render(result))
