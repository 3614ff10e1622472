"""Text rendering of an audit: each finding with its source line in context, then a summary.

Colour only on a terminal (see :mod:`gotriage.report.console`).
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from gotriage.audit.engine import SNIPPET_CONTEXT, Rule
from gotriage.audit.registry import documentation
from gotriage.audit.runner import AuditReport
from gotriage.model import Finding, Severity

SEVERITY_STYLE = {
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def display_path(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def render_text(report: AuditReport, console: Console) -> None:
    for finding in report.findings:
        _finding(finding, report, console)
    for problem in report.problems:
        where = (
            f"{display_path(problem.file)}:{problem.line}"
            if problem.line
            else display_path(problem.file)
        )
        console.print(f"[bold red]error[/] {escape(where)}: {escape(problem.message)}")
    console.print(_summary(report))


def _finding(finding: Finding, report: AuditReport, console: Console) -> None:
    location = finding.location
    where = display_path(location.file) if location else "?"
    if location and location.line:
        where += f":{location.line}:{location.column}"
    style = SEVERITY_STYLE[finding.severity]
    header = Text()
    header.append(where, style="bold")
    header.append(" ")
    header.append(finding.rule, style=style)
    header.append(f" [{finding.severity}", style=style)
    if finding.confidence != "high":
        header.append(f", {finding.confidence} confidence", style=style)
    header.append("] ", style=style)
    header.append(finding.message)
    console.print(header)
    if location and location.line:
        numbers = [
            n
            for n in range(location.line - SNIPPET_CONTEXT, location.line + SNIPPET_CONTEXT + 1)
            if (location.file, n) in report.lines
        ]
        width = len(str(max(numbers))) if numbers else 1
        for number in numbers:
            line = report.lines[(location.file, number)].expandtabs(4)
            marker = ">" if number == location.line else " "
            text = Text(f"  {marker} {number:>{width}} | ", style="dim")
            text.append(line, style="bold" if number == location.line else "")
            console.print(text)
    if finding.fix:
        console.print(Text(f"    fix: {finding.fix}", style="green"))
    console.print()


def _summary(report: AuditReport) -> Text:
    counts = Counter(f.severity for f in report.findings)
    parts = [
        f"{counts[s]} {s}"
        for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
        if counts[s]
    ]
    total = len(report.findings)
    text = Text()
    noun = "finding" if total == 1 else "findings"
    text.append(f"{total} {noun}", style="bold")
    if parts:
        text.append(f" ({', '.join(parts)})")
    text.append(f" in {report.files} files")
    extras = []
    if report.suppressed:
        extras.append(f"{report.suppressed} suppressed")
    if report.generated:
        extras.append(f"{report.generated} generated files skipped")
    if report.problems:
        extras.append(f"{len(report.problems)} not audited (listed above)")
    if extras:
        text.append("; " + "; ".join(extras))
    return text


def render_rule_list(rules: tuple[type[Rule], ...], console: Console) -> None:
    for rule in rules:
        line = Text()
        line.append(f"{rule.id}", style="bold")
        line.append(f"  {rule.name:<28} ")
        line.append(f"{rule.severity:<7}", style=SEVERITY_STYLE[rule.severity])
        line.append(f" {rule.title}")
        if rule.fixable:
            line.append(" (--fix)", style="green")
        console.print(line)


def render_explanation(rule: type[Rule], console: Console) -> None:
    console.print(Text(f"{rule.id} {rule.name}: {rule.title}", style="bold"))
    console.print(
        Text(
            f"severity {rule.severity}, confidence {rule.confidence}"
            + (", fixable with --fix" if rule.fixable else "")
        )
    )
    console.print()
    console.out(documentation(rule), highlight=False)


def _newline_terminated(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def render_diff(report: AuditReport, console: Console) -> None:
    for path, (old, new) in sorted(report.fixed.items()):
        name = display_path(path)
        lines = difflib.unified_diff(
            old.decode("utf-8", "replace").splitlines(keepends=True),
            new.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=name if name.startswith("/") else f"a/{name}",
            tofile=name if name.startswith("/") else f"b/{name}",
        )
        if not console.is_terminal:
            # Piped: the exact bytes (tabs kept), so the output can be fed to patch.
            console.file.write("".join(_newline_terminated(lines)))
            continue
        for line in lines:
            line = line.rstrip("\n")
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            if line.startswith(("+++", "---", "@@")):
                style = "bold" if not line.startswith("@@") else "cyan"
            console.print(Text(line, style=style))
