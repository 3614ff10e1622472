"""Parser for ``debug=1`` goroutine profiles (``goroutine`` and ``goroutineleak``).

The format ``runtime/pprof`` prints (through a tabwriter, so columns may be padded with extra
tabs)::

    goroutine profile: total 17
    3 @ 0x48a26a 0x41717c 0x416d77 0x67fd25 0x491041
    # labels: {"tenant id":"a b", "worker":"w1"}
    #	0x67fd24	main.sendForever+0x24	/src/main.go:48
    #	0x67fd58	main.helper+0x38	/src/main.go:60
    (blank line)

Each record becomes ``Goroutine(id=None, state="", count=3, frames=...)``. Inlined calls are
printed like other frames and cannot be told apart (``Frame.inlined`` stays False); a record
whose stack holds only ``runtime.goexit`` has no frame lines and gives an empty stack. For
``goroutineleak profile`` every record is a leaked goroutine (``leaked=True``) and
``report.format`` is ``DumpFormat.LEAK_PROFILE``.

What this format loses is listed in ``report.missing`` (:data:`MISSING`). :class:`Debug1Parser`
is incremental and free of I/O like the traceback parser: ``feed(line)`` returns the record a
line completed, ``close()`` the last one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from gotriage.errors import InputError
from gotriage.goroutines import parse_proto
from gotriage.goroutines.lines import drain
from gotriage.goroutines.numbers import whole_number
from gotriage.goroutines.parse_labels import parse_label_set
from gotriage.model import DumpFormat, Frame, Goroutine, ParseIssue, ParseReport

MISSING = [
    *parse_proto.MISSING,
    "runtime frames on top of each stack (runtime.gopark, chansend, selectgo, ...)",
    "inlined-call marks",
]
HEADERS = {
    "goroutine profile: total ": DumpFormat.DEBUG1,
    "goroutineleak profile: total ": DumpFormat.LEAK_PROFILE,
}
MAX_ISSUES = 1000
_intern = sys.intern


def header_format(line: str) -> DumpFormat | None:
    """The format a debug=1 header line announces, or None if it is not one."""
    for prefix, fmt in HEADERS.items():
        if line.startswith(prefix):
            return fmt
    return None


class Debug1Parser:
    """Incremental debug=1 parser; the first line fed must be the ``... profile: total N`` line."""

    def __init__(
        self, report: ParseReport | None = None, *, source: str = "", first_line: int = 1
    ) -> None:
        self.report = report if report is not None else ParseReport()
        self.source = source
        self.lineno = first_line - 1
        self.total: int | None = None
        self.records = 0
        self.counted = 0
        self._leak = False
        self._count = 0
        self._frames: list[Frame] = []
        self._labels: tuple[tuple[str, str], ...] = ()
        self._open = False
        self._record_line = 0
        self._cache: dict[str, Frame] = {}  # frame line -> Frame, shared between records
        self._closed = False

    def feed(self, line: str) -> Goroutine | None:
        self.lineno += 1
        if line and line[-1] in "\r\n":
            line = line.rstrip("\r\n")
        if self.total is None:
            if not line.strip():
                return None
            self._header(line.strip().lstrip("\ufeff"))
            return None
        if not line:
            return self._finish()
        if line[0] == "#":
            if not self._open:
                self._issue("frame line outside a record", line)
            elif line.startswith("# labels: "):
                labels = parse_label_set(line[10:])
                if labels is None:
                    self._issue("malformed labels", line)
                else:
                    self._labels = labels
            else:
                self._frame(line)
            return None
        at = line.find(" @")
        count = whole_number(line[:at]) if at > 0 else None
        if count is not None:
            done = self._finish()
            self._open = True
            self._count = count
            self._record_line = self.lineno
            return done
        self._issue("not a debug=1 record line", line)
        return None

    def close(self) -> Goroutine | None:
        if self._closed:
            return None
        self._closed = True
        if self.total is None:
            raise InputError(
                "empty input: expected a 'goroutine profile: total N' header",
                source=self.source,
            )
        done = self._finish()
        if self.counted != self.total and not self.report.issues:
            self._issue(
                f"records add up to {self.counted} goroutines but the header says {self.total}"
                " (the profile may be truncated)",
                "",
                line=self.lineno,
            )
        return done

    # -- internals ---------------------------------------------------------------------------

    def _header(self, line: str) -> None:
        fmt = header_format(line)
        total = whole_number(line[line.rfind(" ") + 1 :]) if fmt is not None else None
        if fmt is None or total is None:
            raise InputError(
                "expected 'goroutine profile: total N' or 'goroutineleak profile: total N',"
                f" got {line[:80]!r}",
                source=self.source,
                line=self.lineno,
            )
        self.total = total
        self._leak = fmt is DumpFormat.LEAK_PROFILE
        self.report.format = fmt
        for item in MISSING:
            if item not in self.report.missing:
                self.report.missing.append(item)

    def _issue(self, message: str, text: str, *, line: int = 0) -> None:
        if len(self.report.issues) < MAX_ISSUES:
            self.report.issues.append(ParseIssue(line or self.lineno, message, text[:200]))

    def _frame(self, line: str) -> None:
        cached = self._cache.get(line)
        if cached is None:
            parts = line[1:].split(None, 2)
            if not parts or not parts[0].startswith("0x"):
                self._issue("malformed frame line", line)
                return
            pc = parts[0]
            if len(parts) == 1:  # a PC the runtime could not symbolise
                frame = Frame("?", offset="pc=" + pc)
            elif len(parts) == 3:
                name, plus, offset = parts[1].rpartition("+")
                if not plus:
                    name, offset = parts[1], ""
                file, colon, digits = parts[2].rstrip().rpartition(":")
                number = whole_number(digits)
                if not colon or number is None:
                    self._issue("malformed frame line", line)
                    return
                frame = Frame(_intern(name), _intern(file), number, offset=offset)
            else:
                self._issue("malformed frame line", line)
                return
            if len(self._cache) > 65536:
                self._cache.clear()
            self._cache[line] = cached = frame
        self._frames.append(cached)

    def _finish(self) -> Goroutine | None:
        if not self._open:
            return None
        self._open = False
        # A record whose only frame is runtime.goexit prints no frame lines: an empty stack.
        frames = self._frames
        goroutine = Goroutine(
            id=None,
            state="",
            frames=tuple(frames),
            count=self._count,
            leaked=self._leak,
            labels=self._labels,
        )
        self._frames = []
        self._labels = ()
        self.records += 1
        self.counted += self._count
        self.report.goroutines += self._count
        return goroutine


def parse_lines(
    lines: Iterable[str], report: ParseReport | None = None, *, source: str = ""
) -> Iterator[Goroutine]:
    """Parse debug=1 lines and yield each record as soon as it is complete."""
    parser = Debug1Parser(report, source=source)
    yield from drain(parser, lines)
