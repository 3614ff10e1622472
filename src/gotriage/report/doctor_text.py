"""``gotriage doctor``: the terminal report. The diagnoses worst first, each with the evidence
from every side that sees it, what contradicts it, the fix and how to verify it; then the other
findings; then what was gathered and what is missing."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from gotriage.doctor.model import Observation, Result
from gotriage.model import Severity

SHOWN = 10  # observations per diagnosis in full

STYLE = {
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _observation(console: Console, o: Observation, mark: str = "+") -> None:
    where = f" [dim]({escape(o.location)})[/]" if o.location else ""
    console.print(f"    {mark} [bold]{o.side}[/] {escape(o.id)}: {escape(o.summary)}{where}")
    for line in o.details[:4]:
        console.print(f"        {escape(line)}", highlight=False)


def render(result: Result, console: Console) -> None:
    g = result.gathered
    given = ", ".join(f"{k} {v}" for k, v in g.inputs.items())
    console.print(f"[bold]gotriage doctor[/]: {escape(given)} ({g.elapsed:g} s of {g.budget:g} s)")
    if not result.diagnoses:
        console.print("\n[green]No diagnosis holds[/] on the evidence gathered.")
    for n, d in enumerate(result.diagnoses, 1):
        style = STYLE[d.severity]
        console.print(
            f"\n[{style}]{n}. {d.severity.value.upper()}[/] [bold]{escape(d.title)}[/] "
            f"(confidence {d.confidence.value}; seen by {', '.join(d.sides)})"
        )
        console.print(f"  {escape(d.explanation)}", highlight=False)
        console.print("  [bold]Evidence[/]")
        for o in d.supporting[:SHOWN]:
            _observation(console, o)
        if len(d.supporting) > SHOWN:
            console.print(f"    … and {len(d.supporting) - SHOWN} more (--format json lists all)")
        if d.contradicting:
            console.print("  [bold]Against[/]")
            for o in d.contradicting:
                _observation(console, o, "-")
        if d.blind:
            console.print(f"  [dim]not gathered, would also show it: {', '.join(d.blind)}[/]")
        console.print(f"  [bold]Fix[/]: {escape(d.fix)}", highlight=False)
        for line in d.fix_code.splitlines():
            console.print(f"      {escape(line)}", highlight=False)
        if d.verify:
            console.print(f"  [bold]Verify[/]: {escape(d.verify)}", highlight=False)
    if result.other:
        console.print(f"\n[bold]Other findings[/] ({len(result.other)})")
        for o in result.other[: SHOWN * 2]:
            _observation(console, o, "·")
        if len(result.other) > SHOWN * 2:
            console.print(
                f"    … and {len(result.other) - SHOWN * 2} more (--format json lists all)"
            )
    console.print("\n[bold]Gathered[/]")
    for side, what in g.collected.items():
        console.print(f"  {side}: {escape(what)}", highlight=False)
    if g.missing:
        console.print("[bold]Missing[/]")
        for side, why in g.missing.items():
            console.print(f"  {side}: {escape(why)}", highlight=False)
    for note in g.notes:
        console.print(f"[dim]note: {escape(note)}[/]")
