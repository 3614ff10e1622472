"""Where output goes: one rich Console for stdout, colour only on a terminal.

Every renderer writes through :func:`stdout_console` (or to ``sys.stdout`` for JSON); nothing
else in gotriage prints. While a command runs, :func:`guarded_stdout` stands in for
``sys.stdout`` so that a report that cannot be written (``> /dev/full``, a failing disk) is a
:class:`ReportWriteError`: one line and exit 2, whichever command and renderer was writing.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast

from rich.console import Console

from gotriage.errors import GotriageError


class ReportWriteError(GotriageError):
    """Standard output refused the report (disk full, I/O error): exit 2, not a traceback."""


def _write_error(exc: OSError) -> ReportWriteError:
    reason = exc.strerror or str(exc)
    return ReportWriteError(f"cannot write the report to standard output: {reason}")


class _GuardedOutput:
    """``sys.stdout`` with write failures turned into ReportWriteError.

    A closed pipe (``| head``) stays a BrokenPipeError: that one is not an error here.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _write_error(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise _write_error(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """Run a command with ``sys.stdout`` guarded; the report is flushed before this ends.

    After a failed write the rest of the output goes to /dev/null, so the interpreter's own
    flush at exit cannot fail a second time with a message of its own.
    """
    original = sys.stdout
    if original is None:  # started with standard output closed (>&-)
        raise ReportWriteError("cannot write the report: standard output is closed")
    sys.stdout = cast(TextIO, _GuardedOutput(original))
    try:
        yield
        sys.stdout.flush()
    except ReportWriteError:
        _discard(original)
        raise
    finally:
        sys.stdout = original


def _discard(stream: TextIO) -> None:
    with contextlib.suppress(OSError, ValueError):
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


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
