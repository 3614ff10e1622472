"""`gotriage probe` for people: one table of measurements, then the fixes and requirements."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gotriage.probe.model import Measurement, ProbeReport, Verdict
from gotriage.probe.verdicts import ADVICE, measured_text, precision_text, show

_STYLE = {
    Verdict.GOOD: "green",
    Verdict.WARN: "yellow",
    Verdict.BAD: "bold red",
    Verdict.SKIPPED: "dim",
    Verdict.ERROR: "magenta",
    Verdict.INCONCLUSIVE: "magenta",
}


def _measured(m: Measurement) -> str:
    text = measured_text(m)
    if m.name == "max-header" and m.line_limit is not None:
        text += f" (lines ≤ {show(m.line_limit, m.unit)})"
    if m.name == "max-header" and m.implied_setting is not None:
        text += f" (MaxHeaderBytes ≈ {show(m.implied_setting, m.unit)})"
    return text


def render(report: ProbeReport, exit_code: int, console: Console) -> None:
    tls = ", TLS" if report.tls else ""
    console.print(
        f"[bold]gotriage probe[/] {report.target} ({report.address}{tls}) "
        f"in {report.duration:.2f} s, waiting at most {report.max_wait:g} s"
    )
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for column in ("measurement", "measured", "precision", "recommended", "verdict", "Go field"):
        table.add_column(column)
    for m in report.measurements:
        verdict = m.verdict or Verdict.ERROR
        table.add_row(
            ADVICE[m.name].title,
            _measured(m),
            precision_text(m),
            m.recommended,
            Text(verdict.value, style=_STYLE[verdict]),
            m.go_field,
        )
    console.print(table)

    details = [m for m in report.measurements if m.detail and m.verdict is not Verdict.SKIPPED]
    if details:
        console.print()
        for m in details:
            outcome = f" [{m.outcome}]" if m.outcome and m.outcome != "none" else ""
            console.print(f"  {m.name}{outcome}: {m.detail}", markup=False)
    fixes = [m for m in report.measurements if m.fix]
    if fixes:
        console.print("\n[bold]To fix[/]")
        for m in fixes:
            console.print(f"  {m.name} ({m.verdict}):", markup=False)
            console.print(f"      {m.fix}", markup=False, style="cyan")
    skipped = [m for m in report.measurements if m.verdict is Verdict.SKIPPED]
    if skipped:
        console.print(
            "\nskipped: " + ", ".join(f"{m.name} (add {m.enable_with})" for m in skipped),
            markup=False,
        )
    if report.requirements:
        console.print("\n[bold]Requirements[/]")
        for r in report.requirements:
            mark = Text("met    ", style="green") if r.met else Text("NOT MET", style="bold red")
            line = Text("  ")
            line.append_text(mark)
            line.append(f" {r.requirement.text}: {r.reason}")
            console.print(line)
    for note in report.notes:
        console.print(f"\n[bold red]note:[/] {note}")
    console.print(f"\nexit code {exit_code}", style="dim")
