"""Parser for Go tracebacks: ``debug=2`` goroutine dumps, panics, SIGQUIT and fatal-error dumps.

The grammar is the one ``runtime/traceback.go`` prints, Go 1.13 to 1.27::

    goroutine 7 [chan send (leaked), 12 minutes, locked to thread] {k: v}:
    goroutine 7 gp=0xc000007c00 m=3 mp=0xc000100008 [running]:    (GOTRACEBACK=system, crashes)
    main.(*Server).serve(0xc000010000, {0x5f1e20?, 0xc0000a4000})  function line, then its file
    \t/src/server.go:123 +0x1e fp=0xc0000a5f50 sp=0xc0000a5f30 pc=0x4a1b3e
    main.helper[...](...)                                          inlined: "(...)", no offset
    \t/src/helper.go:9
    ...12 frames elided...                                         Go 1.21+ (middle of the stack)
    ...additional frames elided...                                 before Go 1.21 (end of stack)
    non-Go function at pc=0x7f2a1c                                 cgo frame without symbolizer
    C.worker                                                       cgo frame with symbolizer ...
    \t/src/worker.c:40 pc=0x7f2a1c                                 ... and its location
    created by main.main in goroutine 1                            Go 1.21+; "created by F" before
    \t/src/main.go:30 +0x25
    [originating from goroutine 3]:                                GODEBUG=tracebackancestors
    \tgoroutine running on other thread; stack unavailable

:class:`TracebackParser` is free of I/O and incremental: :meth:`~TracebackParser.feed` takes one
line (without its newline) and returns the goroutine that line completed, if any;
:meth:`~TracebackParser.close` ends the input and returns the last one. A goroutine is complete at
a blank line, at the next header, or at the end of input. Lines around and between goroutines
(log lines, ``exit status 2``, register dumps) are skipped; panic and fatal-error headers go to
``ParseReport.context``. A line that interrupts a stack and is followed by more frames of that
stack is reported as a :class:`~gotriage.model.ParseIssue` and skipped.

Frame-line strings are interned and identical (function line, file line) pairs share one
:class:`~gotriage.model.Frame`, so a 100,000-goroutine dump stays small in memory.

``state`` is the wait reason without decorations: `` (leaked)`` sets ``leaked``, `` (scan)`` is
dropped, ``, N minutes`` becomes ``wait_minutes``, ``, locked to thread`` sets
``locked_to_thread``, ``, synctest bubble N`` is dropped. Parentheses that belong to the runtime's
wait reason strings stay: ``chan receive (nil chan)``, ``select (no cases)``,
``chan receive (durable)``, ``GC worker (idle)``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from gotriage.goroutines.lines import drain
from gotriage.goroutines.numbers import whole_number
from gotriage.goroutines.parse_labels import parse_label_set
from gotriage.model import DumpFormat, Frame, Goroutine, ParseIssue, ParseReport

# Lines outside any goroutine that explain why the dump exists.
CONTEXT_PREFIXES = (
    "panic: ",
    "fatal error: ",
    "fatal: ",
    "[signal ",
    "SIGQUIT: ",
    "SIGABRT: ",
    "SIGSEGV: ",
    "SIGBUS: ",
    "SIGILL: ",
    "SIGFPE: ",
    "SIGTRAP: ",
    "SIGTERM: ",
    "SIGSYS: ",
    "unexpected fault address ",
    "unexpected signal ",
    "PC=",
    "runtime: ",
    "concurrent map ",
    "all goroutines are asleep",
)
MAX_CONTEXT_LINES = 200
MAX_ISSUES = 1000
_STACK_UNAVAILABLE = "\tgoroutine running on other thread; stack unavailable"
_FRAME_CACHE_LIMIT = 65536
_NON_GO = "non-Go function"

_intern = sys.intern


class _Open:
    """The goroutine being read; becomes a frozen Goroutine when complete."""

    __slots__ = (
        "ancestors",
        "created_by",
        "creator_id",
        "elided",
        "frames",
        "id",
        "junk",
        "labels",
        "leaked",
        "line",
        "locked",
        "minutes",
        "state",
        "suspended",
        "unavailable",
    )

    def __init__(self, header: tuple, line: int) -> None:
        (self.id, self.state, self.minutes, self.leaked, self.locked, self.labels) = header
        self.line = line
        self.frames: list[Frame] = []
        self.created_by: Frame | None = None
        self.creator_id: int | None = None
        self.elided = False
        self.unavailable = False
        self.ancestors = False
        # Set when a line that is not part of a stack interrupted this goroutine; if more of its
        # stack follows, the interrupting lines (kept in ``junk``, a few at most) are reported.
        self.suspended = False
        self.junk: list[tuple[int, str]] = []

    def build(self) -> Goroutine:
        return Goroutine(
            id=self.id,
            state=self.state,
            frames=tuple(self.frames),
            wait_minutes=self.minutes,
            leaked=self.leaked,
            locked_to_thread=self.locked,
            created_by=self.created_by,
            creator_id=self.creator_id,
            frames_elided=self.elided,
            stack_unavailable=self.unavailable,
            labels=self.labels,
        )


def parse_header(line: str) -> tuple | None:
    """``(id, state, wait_minutes, leaked, locked_to_thread, labels)`` or None if not a header."""
    if not line.startswith("goroutine "):
        return None
    space = line.find(" ", 10)
    if space < 0:
        return None
    goroutine_id = whole_number(line[10:space])
    if goroutine_id is None:
        return None
    open_ = line.find("[", space)
    if open_ < 0:
        return None
    between = line[space:open_]
    if between != " " and not between.startswith(" gp="):
        return None
    close = line.find("]", open_)
    if close < 0:
        return None
    tail = line[close + 1 :]
    if tail.endswith("\r"):
        tail = tail[:-1]
    labels: tuple[tuple[str, str], ...] = ()
    if tail != ":":
        # Go 1.27 prints labels between the bracket and the colon: "[select] {k: v}:".
        if not tail.startswith(" {") or not tail.endswith("}:"):
            return None
        parsed = parse_label_set(tail[1:-1])
        if parsed is None:
            return None
        labels = parsed
    status = line[open_ + 1 : close]
    minutes: int | None = None
    locked = False
    leaked = False
    if ", " in status:
        parts = status.split(", ")
        status = parts[0]
        for part in parts[1:]:
            if part.endswith(" minutes"):
                minutes = whole_number(part[:-8])
                if minutes is None:
                    return None
            elif part == "locked to thread":
                locked = True
    if " (" in status:
        if " (scan)" in status:
            status = status.replace(" (scan)", "")
        if " (leaked)" in status:
            leaked = True
            status = status.replace(" (leaked)", "")
    return goroutine_id, _intern(status), minutes, leaked, locked, labels


def _parse_file_line(text: str) -> tuple[str, int, str] | None:
    """``\\t/path/file.go:123 +0x1e fp=.. sp=.. pc=..`` -> (file, line, offset)."""
    body = text[1:]
    colon = body.rfind(":")
    if colon <= 0:
        return None
    rest = body[colon + 1 :]
    space = rest.find(" ")
    number = whole_number(rest if space < 0 else rest[:space])
    if number is None:
        return None
    offset = ""
    if space >= 0:
        plus = rest.find(" +", space)
        if plus >= 0:
            end = rest.find(" ", plus + 2)
            offset = rest[plus + 2 :] if end < 0 else rest[plus + 2 : end]
    return _intern(body[:colon]), number, offset


class TracebackParser:
    """Incremental parser for traceback text; see the module docstring for the grammar.

    ``feed(line)`` returns the goroutine completed by that line or None; ``close()`` returns the
    last goroutine (possibly truncated, which is noted in ``report.issues``).
    """

    def __init__(self, report: ParseReport | None = None, *, first_line: int = 1) -> None:
        self.report = report if report is not None else ParseReport()
        if self.report.format is None:
            self.report.format = DumpFormat.TRACEBACK
        self.lineno = first_line - 1
        self.headers = 0
        self._cur: _Open | None = None
        self._pending: str | None = None  # a function or "created by" line awaiting its file line
        self._pending_line = 0
        self._in_context = False  # the last line outside goroutines was a context line
        self._frames: dict[tuple[str, ...], Frame] = {}
        self._bad_file_line = 0  # the last line that should have been a frame's file line
        self._closed = False

    # -- public ------------------------------------------------------------------------------

    def feed(self, line: str) -> Goroutine | None:
        """Take one line (trailing newline optional) and return a goroutine it completed."""
        self.lineno += 1
        if line and line[-1] in "\r\n":
            line = line.rstrip("\r\n")
        pending = self._pending
        if pending is not None:
            self._pending = None
            if line[:1] == "\t":
                cur = self._cur
                if cur is not None and not cur.suspended:
                    frame = self._frames.get((pending, line))
                    if frame is not None:  # the common case: a frame seen before
                        cur.frames.append(frame)
                        return None
                self._attach(pending, line)
                return None
            self._junk(self._pending_line, pending)
        if not line:
            self._in_context = False
            return self._finish()
        first = line[0]
        if first == "\t":
            self._tab_line(line)
            return None
        if first == "g" and line.startswith("goroutine "):
            header = parse_header(line)
            if header is not None:
                done = self._finish()
                self.headers += 1
                self._in_context = False
                self._cur = _Open(header, self.lineno)
                return done
            if line[10:11].isdigit():  # "goroutine 12 [chan rece": damaged or cut short
                done = self._finish()
                self._issue(self.lineno, "malformed goroutine header", line)
                return done
        cur = self._cur
        if cur is None:
            self._outside(line)
            return None
        if cur.ancestors:
            return None
        if first == "c" and line.startswith("created by "):
            self._pending, self._pending_line = line, self.lineno
        elif first == "." and line.endswith(" elided..."):
            self._resume(cur)
            cur.elided = True
        elif first == "n" and line.startswith("non-Go function at pc="):
            self._resume(cur)
            cur.frames.append(Frame(_NON_GO, offset=line[len("non-Go function at ") :]))
        elif first == "[" and line.startswith("[originating from goroutine "):
            cur.ancestors = True
        else:
            # A function line, or a cgo symbolizer line; confirmed only by the file line after it.
            self._pending, self._pending_line = line, self.lineno
        return None

    def close(self) -> Goroutine | None:
        """End of input: return the last goroutine, noting it if it was cut short."""
        if self._closed:
            return None
        self._closed = True
        cur = self._cur
        pending = self._pending
        self._pending = None
        if cur is None:
            pass
        elif pending is not None:
            paren = pending.find("(")
            # A function line cut short, not a trailing line such as "exit status 2".
            if not cur.suspended and paren > 0 and " " not in pending[:paren]:
                self._issue(
                    self.lineno,
                    f"input ends inside goroutine {cur.id}: a frame has no file line",
                    pending,
                )
        elif self._bad_file_line == self.lineno:
            self._issue(self.lineno, f"input ends inside goroutine {cur.id}: frame cut short", "")
        elif not cur.frames and not cur.unavailable and not cur.suspended:
            self._issue(cur.line, f"input ends inside goroutine {cur.id}: no frames", "")
        return self._finish()

    # -- internals ---------------------------------------------------------------------------

    def _finish(self) -> Goroutine | None:
        cur = self._cur
        if cur is None:
            return None
        self._cur = None
        self.report.goroutines += 1
        return cur.build()

    def _issue(self, line: int, message: str, text: str) -> None:
        issues = self.report.issues
        if len(issues) < MAX_ISSUES:
            issues.append(ParseIssue(line, message, text[:200]))

    def _resume(self, cur: _Open) -> None:
        if cur.suspended:
            cur.suspended = False
            for line, text in cur.junk:
                self._issue(line, f"unrelated line inside the stack of goroutine {cur.id}", text)
            cur.junk.clear()

    def _junk(self, line: int, text: str) -> None:
        """A line that is not part of a stack: trailing text, unless more frames follow."""
        cur = self._cur
        if cur is None:
            self._outside(text)
            return
        cur.suspended = True
        if len(cur.junk) < 3:
            cur.junk.append((line, text))
        if text.startswith(CONTEXT_PREFIXES):
            self._add_context(text)

    def _outside(self, line: str) -> None:
        # A context line and the lines up to the next blank line: before Go 1.23 a multi-line
        # panic message continued without indentation.
        if self._in_context or line.startswith(CONTEXT_PREFIXES):
            self._add_context(line)
            self._in_context = True

    def _add_context(self, line: str) -> None:
        context = self.report.context
        if len(context) < MAX_CONTEXT_LINES:
            context.append(line[:1000])

    def _tab_line(self, line: str) -> None:
        cur = self._cur
        if cur is None:
            if self._in_context:  # "panic: a [recovered]\n\tpanic: b", multi-line messages
                self._add_context(line)
            return
        if cur.ancestors:
            return
        if line == _STACK_UNAVAILABLE:
            self._resume(cur)
            cur.unavailable = True
        else:
            self._junk(self.lineno, line)

    def _attach(self, head: str, file_line: str) -> None:
        """A function (or "created by") line followed by its file line."""
        cur = self._cur
        if cur is None:
            return
        if head.startswith("created by "):
            head = head[11:]
            creator: int | None = None
            marker = head.rfind(" in goroutine ")
            if marker >= 0:
                creator = whole_number(head[marker + 14 :])
                if creator is None:
                    self._issue(self.lineno, "malformed goroutine id after 'created by'", head)
                head = head[:marker]
            frame = self._frame(head, file_line, bare=True)
            if frame is None:
                self._issue(self.lineno, "malformed file line after 'created by'", file_line)
                return
            self._resume(cur)
            cur.created_by = frame
            cur.creator_id = creator
            return
        frame = self._frame(head, file_line, bare=False)
        if frame is None:
            self._bad_file_line = self.lineno
            self._junk(self._pending_line, head)
            self._junk(self.lineno, file_line)
            return
        if cur.suspended:
            self._resume(cur)
        cur.frames.append(frame)

    def _frame(self, head: str, file_line: str, *, bare: bool) -> Frame | None:
        """The Frame for a function line and its file line (shared between equal pairs)."""
        key: tuple[str, ...] = ("created by", head, file_line) if bare else (head, file_line)
        frame = self._frames.get(key)
        if frame is not None:
            return frame
        if head.endswith(")"):
            paren = head.rfind("(")
            if paren <= 0:
                return None
            name = head[:paren]
            args = head[paren + 1 : -1]
        elif bare:
            name, args = head, ""
        elif "pc=" in file_line and (" " not in head or head == _NON_GO):
            # cgo symbolizer output: a bare name whose location line carries "pc=".
            name, args = head, ""
        else:
            return None
        if file_line.startswith("\tpc="):
            frame = Frame(_intern(name), offset=file_line[1:].split(" ", 1)[0])
        else:
            parsed = _parse_file_line(file_line)
            if parsed is None:
                return None
            file, number, offset = parsed
            frame = Frame(_intern(name), file, number, args, offset, args == "..." and not offset)
        if len(self._frames) >= _FRAME_CACHE_LIMIT:
            self._frames.clear()
        self._frames[key] = frame
        return frame


def parse_lines(lines: Iterable[str], report: ParseReport | None = None) -> Iterator[Goroutine]:
    """Parse traceback lines and yield each goroutine as soon as it is complete."""
    parser = TracebackParser(report)
    yield from drain(parser, lines)
