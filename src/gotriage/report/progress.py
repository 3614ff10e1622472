"""Progress for long work: a rich bar on a terminal, nothing when piped or with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from gotriage.report.console import stderr_console


class _Silent:
    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, total: float | None = None, description: str | None = None) -> None:
        pass


class _Bar:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def advance(self, amount: float = 1) -> None:
        self._progress.advance(self._task, amount)

    def update(self, total: float | None = None, description: str | None = None) -> None:
        kwargs: dict[str, object] = {}
        if total is not None:
            kwargs["total"] = total
        if description is not None:
            kwargs["description"] = description
        self._progress.update(self._task, **kwargs)  # type: ignore[arg-type]


@contextmanager
def progress(
    description: str, total: float | None, *, quiet: bool = False, in_bytes: bool = False
) -> Iterator[_Bar | _Silent]:
    """``with progress("auditing", len(files)) as bar: bar.advance()``; silent off a terminal.

    ``in_bytes`` counts bytes (shown as MB) instead of items."""
    if quiet or not sys.stderr.isatty():
        yield _Silent()
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn() if in_bytes else MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # On standard error: standard output may be a report being piped or redirected.
    with Progress(*columns, transient=True, console=stderr_console()) as bar:
        yield _Bar(bar, bar.add_task(description, total=total))
