"""Where output goes: one rich Console for stdout, colour only on a terminal.

Every renderer writes through :func:`stdout_console`; nothing else in gotriage prints.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # The reader went away (``| head``). Rich would exit 1, which here means "problems
        # found"; instead the rest of the report goes nowhere and the exit code stays true.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.file.fileno())
        os.close(devnull)


def stdout_console(file: TextIO | None = None, *, color: str = "auto") -> Console:
    """A Console for reports; ``color`` is auto (terminal only, honours NO_COLOR), always, never."""
    stream = file or sys.stdout
    is_tty = stream.isatty()
    if color == "always":
        force, no_color = True, False
    elif color == "never":
        force, no_color = False, True
    else:
        force, no_color = is_tty, (not is_tty) or bool(os.environ.get("NO_COLOR"))
    return _Console(
        file=stream,
        force_terminal=force,
        no_color=no_color,
        highlight=False,
        soft_wrap=not is_tty,
        width=None if is_tty else 120,
    )


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False)
