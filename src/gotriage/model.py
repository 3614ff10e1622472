"""The plain data every part of gotriage passes around.

Frozen dataclasses with no behaviour: parsers produce them, analysis reads them and returns
findings, renderers turn findings into text. Field names are the user's words and double as the
JSON field names documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; ordered from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class Confidence(StrEnum):
    """How sure an analysis is that a finding is real."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """A place in Go source. ``line``/``column`` are 1-based; 0 means unknown."""

    file: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing gotriage found: a rule violation, a leak suspect, a probe verdict."""

    rule: str  # stable ID, for example "GT101"
    severity: Severity
    location: Location | None
    message: str
    fix: str = ""
    confidence: Confidence = Confidence.HIGH
    title: str = ""
    # Settings the reported value lacks (an http.Server's missing timeout fields), in order.
    missing: tuple[str, ...] = ()
    # Why the code is test support code (``package testutil``), "" for production code.
    test_code: str = ""


# --- goroutine dumps -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """One stack frame as a dump prints it.

    ``function`` is the fully qualified Go name (``main.(*Server).handle.func1``); ``file`` and
    ``line`` are empty/0 when the format does not carry them. ``inlined`` is true for frames the
    traceback prints with ``(...)`` arguments (inlined calls), or that pprof marks as inlined.
    """

    function: str
    file: str = ""
    line: int = 0
    args: str = ""
    offset: str = ""
    inlined: bool = False

    @property
    def package(self) -> str:
        """The import path of the frame's package (``net/http``, ``main``, ``github.com/a/b``)."""
        name = self.function
        slash = name.rfind("/")
        dot = name.find(".", slash + 1)
        return name if dot < 0 else name[:dot]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file else self.function


@dataclass(frozen=True, slots=True)
class Goroutine:
    """One goroutine, or with ``count`` > 1 a record standing for identical goroutines.

    Formats differ in what they keep: debug=1 and protobuf have no ``id``, ``state`` (wait
    reason) or ``wait_minutes``; debug=1 also drops runtime frames. ``state`` is the wait reason
    without its decorations (``chan send``, not ``chan send, 12 minutes``).
    """

    id: int | None
    state: str
    frames: tuple[Frame, ...]
    wait_minutes: int | None = None
    leaked: bool = False
    locked_to_thread: bool = False
    created_by: Frame | None = None
    creator_id: int | None = None
    frames_elided: bool = False
    stack_unavailable: bool = False
    count: int = 1
    labels: tuple[tuple[str, str], ...] = ()


class DumpFormat(StrEnum):
    """The input formats gotriage recognises."""

    TRACEBACK = "traceback"  # debug=2, panic, SIGQUIT, fatal error dumps
    DEBUG1 = "debug1"
    PROTO = "proto"
    LEAK_PROFILE = "goroutineleak"


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A line the parser could not understand; the rest of the input is still read."""

    line: int
    message: str
    text: str = ""


@dataclass(slots=True)
class ParseReport:
    """What a parser learned about its input besides the goroutines themselves.

    Mutable on purpose: a streaming parser fills it in as it goes and it is read at the end.
    """

    format: DumpFormat | None = None
    lines: int = 0
    goroutines: int = 0
    issues: list[ParseIssue] = field(default_factory=list)
    # What this format cannot tell (shown to the user so absent evidence is not read as absent
    # problems), for example "wait reasons and durations".
    missing: list[str] = field(default_factory=list)
    # Header lines seen around the traceback ("panic: ...", "fatal error: ...", "SIGQUIT: quit").
    context: list[str] = field(default_factory=list)
