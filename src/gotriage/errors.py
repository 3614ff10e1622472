"""Errors that are the user's to fix. The CLI prints them as one line and exits 2."""

from __future__ import annotations


class GotriageError(Exception):
    """A problem with the user's input or environment, not a bug in gotriage."""

    exit_code = 2


class InputError(GotriageError):
    """Malformed or unreadable input. ``line`` (1-based) points at where, when known."""

    def __init__(self, message: str, *, source: str = "", line: int = 0) -> None:
        self.message = message
        self.source = source
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.line:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class UsageError(GotriageError):
    """Arguments that do not make sense together."""


class FetchError(GotriageError):
    """A URL that could not be fetched: unreachable, timed out, refused, not pprof."""


class ToolchainError(GotriageError):
    """The Go toolchain needed for a demo or fixture build is missing or failed."""
