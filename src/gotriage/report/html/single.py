"""``--html FILE`` on goroutines, cpu, sockets and history: that command's section of the
doctor page, alone on a page of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gotriage.report.html import sections
from gotriage.report.html.page import esc, page, write


def write_page(command: str, result: Any, path: Path, context: Any = None) -> None:
    """Write the page of ``command`` (goroutines, cpu, sockets, history) for its ``result``."""
    if command == "goroutines":
        body = sections.goroutines(result, context)
        source = result.source
    elif command == "cpu":
        body = sections.cpu(result) or "<p>No CPU profile among the sources.</p>"
        source = ", ".join(s for s, _ in result.sources)
    elif command == "sockets":
        body = sections.sockets(result)
        source = ", ".join(result.sources)
    elif command == "history":
        body = sections.history(result)
        source = result.path
    else:
        raise ValueError(command)
    title = f"gotriage {command}"
    write(
        path, page(title, [f"<h1>{esc(title)}</h1>", f'<p class="muted">{esc(source)}</p>', body])
    )
