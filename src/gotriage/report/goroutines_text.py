"""``gotriage goroutines``: the terminal report. Suspects first, worst first; then the groups."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gotriage.goroutines.analyse import Analysis
from gotriage.goroutines.group import Group
from gotriage.goroutines.suspects import Suspect
from gotriage.model import Confidence, Frame
from gotriage.report.goroutines_json import ContextFn

DETAILED_SUSPECTS = 10  # suspects shown in full without --all; the rest one line each
STYLE = {Confidence.HIGH: "bold red", Confidence.MEDIUM: "yellow", Confidence.LOW: "cyan"}


def _wait(group: Group) -> str:
    if group.wait_max is None:
        return "unknown"
    if group.wait_min == group.wait_max:
        return f"{group.wait_max} min" if group.wait_max else "< 1 min"
    return f"{group.wait_min}-{group.wait_max} min"


def _short(location: str) -> str:
    """A location relative to the current directory when it lies below it (JSON keeps it whole)."""
    here = str(Path.cwd()).rstrip(os.sep) + os.sep
    return location[len(here) :] if location.startswith(here) else location


def _where(frame: Frame | None) -> str:
    if frame is None:
        return "(no frame in your code)"
    return f"{_short(frame.location)} in {frame.function}"


def _suspect(console: Console, n: int, suspect: Suspect, context: ContextFn | None) -> None:
    group = suspect.group
    style = STYLE[suspect.confidence]
    plural = "goroutine" if group.count == 1 else "goroutines"
    console.print(
        f"[{style}]{n}. [{suspect.confidence.value.upper()}][/] "
        f"[bold]{group.count} {plural}: {escape(suspect.pattern.title)}[/]"
    )
    console.print(f"   at {escape(_where(suspect.location))}")
    if group.site is not None and suspect.location is not group.site:
        console.print(f"   blocked in {escape(_where(group.site))}")
    if group.http_phase:
        console.print(f"   net/http phase: {group.http_phase}")
    if group.created_by is not None:
        console.print(f"   created by {escape(_where(group.created_by))}")
    how = group.kind.value
    if group.state and group.state != how:
        how = f"{how} ({group.state})"
    console.print(f"   how: {escape(how)}, waiting {_wait(group)}")
    lines = context(suspect.location) if context and suspect.location else []
    if lines:
        for number, text in lines:
            mark = ">" if number == suspect.location.line else " "  # type: ignore[union-attr]
            console.print(f"   [dim]{mark}{number:5d} |[/] {escape(text)}")
    console.print("   evidence:")
    for evidence in suspect.evidence:
        console.print(f"     - {escape(evidence.text)} [dim]({evidence.code})[/]")
    console.print(f"   why: {escape(suspect.pattern.explanation)}")
    console.print(f"   [green]fix:[/] {escape(suspect.pattern.fix)}")
    console.print()


def _groups_table(analysis: Analysis, limit: int | None) -> Table:
    table = Table(title="Goroutine groups (worst first)", title_justify="left", expand=False)
    for column in ("count", "how", "wait", "blocking site", "note"):
        table.add_column(column, overflow="fold")
    suspects = {id(g): s for s in analysis.suspects for g in s.groups}
    groups = analysis.groups_worst_first()
    shown = groups if limit is None else groups[:limit]
    for group in shown:
        suspect = suspects.get(id(group))
        if suspect is not None:
            note = f"[{STYLE[suspect.confidence]}]suspect ({suspect.confidence.value})[/]"
        else:
            design = analysis.by_design(group)
            note = f"by design: {design}" if design else ""
        site = (
            _short(group.site.location)
            if group.site
            else (group.frames[0].function if group.frames else "")
        )
        if group.http_phase:
            site = f"{site} [net/http: {group.http_phase}]"
        table.add_row(str(group.count), group.kind.value, _wait(group), escape(site), note)
    if len(shown) < len(groups):
        table.caption = f"{len(groups) - len(shown)} more groups: use --all"
    return table


def render(
    analysis: Analysis,
    console: Console,
    *,
    context: ContextFn | None = None,
    limit: int | None = 20,
) -> None:
    report = analysis.report
    fmt = report.format.value if report.format else "unknown"
    console.print(
        f"[bold]{escape(analysis.source)}[/]: {analysis.grouping.total} goroutines "
        f"in {len(analysis.grouping.groups)} groups ({fmt} format)"
    )
    kinds = ", ".join(f"{n} {kind.value}" for kind, n in analysis.kinds().most_common(8))
    if kinds:
        console.print(f"[dim]by how they wait: {escape(kinds)}[/]")
    console.print(f"[dim]runtime leak profile: {escape(analysis.leak_profile)}[/]")
    for line in report.context[:3]:
        console.print(f"[dim]context: {escape(line)}[/]")
    if report.missing:
        console.print(f"[yellow]this format does not carry: {escape(', '.join(report.missing))}[/]")
    if report.issues:
        first = report.issues[0]
        console.print(
            f"[yellow]{len(report.issues)} line(s) not understood, first at line {first.line}: "
            f"{escape(first.message)}[/]"
        )
    for note in analysis.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    console.print()

    if analysis.growth is not None:
        console.print(f"[bold]Growth since {escape(analysis.base_source or 'base')}[/]")
        if not analysis.growth:
            console.print("  no group grew")
        for growth in analysis.growth[:15]:
            console.print(
                f"  [red]+{growth.delta}[/] ({growth.before} -> {growth.after}) "
                f"{growth.group.kind.value} at {escape(_short(growth.group.location))}"
            )
        console.print()

    suspects = analysis.suspects
    if suspects:
        console.print(f"[bold red]Leak suspects: {len(suspects)}[/]")
        console.print()
        detailed = suspects if limit is None else suspects[:DETAILED_SUSPECTS]
        for n, suspect in enumerate(detailed, 1):
            _suspect(console, n, suspect, context)
        for n, suspect in enumerate(suspects[len(detailed) :], len(detailed) + 1):
            where = _short(suspect.location.location) if suspect.location else "?"
            console.print(
                f"[{STYLE[suspect.confidence]}]{n}. [{suspect.confidence.value.upper()}][/] "
                f"{suspect.group.count} at {escape(where)}: {escape(suspect.pattern.title)}"
            )
        if len(detailed) < len(suspects):
            console.print("   (details of every suspect: --all, or --format json)")
            console.print()
    else:
        console.print(
            f"[green]No leak suspects[/] at confidence {analysis.settings.min_confidence.value} "
            "or above."
        )
        console.print()
    console.print(_groups_table(analysis, limit))
