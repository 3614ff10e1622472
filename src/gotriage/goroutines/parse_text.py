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

Pasted and logged dumps are read too: a file line is known by its shape (``path.go:N``,
optional `` +0x..``) whatever leads it (a tab, spaces, nothing); a log prefix or a constant
suffix is learnt from each section's first header (:mod:`~gotriage.goroutines.log_prefix`) and
removed from the lines of that section; a dump escaped in one log line is unescaped and read;
crash context is found behind colour codes, quotes and the section's prefix. ``panic(...)`` is
the runtime's name for ``runtime.gopanic`` and is read as such. A header-shaped line that cannot
be read is an issue. At most MAX_FRAMES frames per goroutine are kept (and its creator).

Names, paths and states are shared through a bounded table; identical (function line, file
line) pairs share one :class:`~gotriage.model.Frame`, and a site seen before with other
arguments is built from its cached parts, so a 100,000-goroutine dump stays small and fast.

``state`` is the wait reason without decorations: `` (leaked)`` sets ``leaked``, `` (scan)`` is
dropped, ``, N minutes`` becomes ``wait_minutes``, ``, locked to thread`` sets
``locked_to_thread``, ``, synctest bubble N`` is dropped. Parentheses that belong to the runtime's
wait reason strings stay: ``chan receive (nil chan)``, ``select (no cases)``,
``chan receive (durable)``, ``GC worker (idle)``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator

from gotriage.goroutines.lines import drain
from gotriage.goroutines.log_prefix import (
    ANSI,
    LOOKS_LIKE_HEADER,
    escaped_dump,
    find_prefix,
    find_suffix,
    strip_suffix,
)
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
# The runtime prints at most 100 frames of a goroutine (50 innermost, 50 outermost); more is
# not a Go traceback. The first MAX_FRAMES and the creator are kept, the cut is an issue.
MAX_FRAMES = 256
# No function or file line the runtime prints is this long; such a line is not a frame.
MAX_FRAME_LINE_CHARS = 8192
# Names the runtime prints instead of a function's own (runtime/traceback.go printFuncName).
PSEUDO_NAMES = {"panic": "runtime.gopanic"}
_STACK_UNAVAILABLE = "goroutine running on other thread; stack unavailable"
_FRAME_CACHE_LIMIT = 4096  # real dumps have a few hundred distinct sites
_FRAME_CACHE_CHARS = 2 << 20
_NON_GO = "non-Go function"
_ESCAPED_NEWLINE = "\\n"
# What a file line ends with: its line number, an offset, or pc=0x...
_FILE_LINE_ENDS = frozenset("0123456789abcdef")
# A file line without its tab: "/src/app/main.go:191 +0x9d2", "C:/Program Files/x.go:7",
# "_cgo_gotypes.go:39 +0x45", "<autogenerated>:1", "/src/w.c:40 pc=0x7f2a1c".
_FILE_LINE = re.compile(
    r"(?:[^\s:]*:)?[^:]*?(?:\.(?:go|s|S|c|h|cc|cpp)|<autogenerated>):\d+"
    r"(?: \+0x[0-9a-f]+)?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+)?(?: pc=0x[0-9a-f]+)?"
)
# A context line behind some lead (a log prefix, a colour code); confirmed at the next header.
_CONTEXT_MARKER = re.compile(
    r"(?:panic|fatal error|SIG[A-Z]{2,6}): |\[signal |unexpected (?:fault address|signal) "
    r"|all goroutines are asleep"
)

_SHARED_LIMIT = 65536
_shared: dict[str, str] = {}


def _intern(text: str) -> str:
    """One object for equal names, paths and states, like sys.intern but with a bounded table.

    sys.intern keeps every distinct string it ever saw; a dump of 200,000 distinct stacks
    would grow its table by tens of MB for no sharing at all.
    """
    found = _shared.get(text)
    if found is None:
        if len(_shared) >= _SHARED_LIMIT:
            _shared.clear()
        _shared[text] = found = text
    return found


class _Open:
    """The goroutine being read; becomes a frozen Goroutine when complete."""

    __slots__ = (
        "ancestors",
        "created_by",
        "creator_id",
        "cut",
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
        self.cut = 0  # frames dropped beyond MAX_FRAMES
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
            frames_elided=self.elided or self.cut > 0,
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
    last goroutine (possibly truncated, which is noted in ``report.issues``). A line holding a
    whole escaped dump can complete several goroutines: the first is returned, the others wait
    in ``extra`` (:func:`~gotriage.goroutines.lines.drain` empties it after each line).
    """

    def __init__(self, report: ParseReport | None = None, *, first_line: int = 1) -> None:
        self.report = report if report is not None else ParseReport()
        if self.report.format is None:
            self.report.format = DumpFormat.TRACEBACK
        self.lineno = first_line - 1
        self.headers = 0
        self.extra: list[Goroutine] = []
        self._cur: _Open | None = None
        self._pending: str | None = None  # a function or "created by" line awaiting its file line
        self._pending_line = 0
        self._in_context = False  # the last line outside goroutines was a context line
        self._frames: dict[tuple[str, ...], Frame] = {}
        self._frame_chars = 0  # characters held by the keys of ``_frames``
        self._files: dict[str, tuple[str, int, str]] = {}
        # (function name, file line) -> (interned name, file, line, offset) of frames seen.
        self._sites: dict[tuple[str, str], tuple[str, str, int, str]] = {}
        self._bad_file_line = 0  # the last line that should have been a frame's file line
        self._closed = False
        # The log decoration of the current section: a prefix pattern, a constant suffix.
        self._prefix: re.Pattern[str] | None = None
        self._suffix = ""
        self._suffix_trimmed = ""
        self._prefixed = False  # the current line carried the section's prefix
        self._suffixed = False  # ... and its suffix
        # Context lines seen behind some lead (a log prefix?), confirmed at the next header.
        self._candidates: list[str] = []
        self._context_mark = 0  # context lines before this index belong to earlier sections
        self._expanding = False

    # -- public ------------------------------------------------------------------------------

    def feed(self, line: str) -> Goroutine | None:
        """Take one line (trailing newline optional) and return a goroutine it completed."""
        self.lineno += 1
        if line and line[-1] in "\r\n":
            line = line.rstrip("\r\n")
        if self._prefix is not None:
            found = self._prefix.match(line)
            self._prefixed = found is not None
            if found is not None:
                line = line[found.end() :]
        if self._suffix:
            stripped = strip_suffix(line, self._suffix, self._suffix_trimmed)
            self._suffixed = stripped is not line
            line = stripped
        pending = self._pending
        if pending is not None:
            self._pending = None
            first = line[:1]
            if first == "\t":
                cur = self._cur
                if cur is not None and not cur.suspended:
                    frame = self._frames.get((pending, line))
                    if frame is None and pending[-1:] == ")":
                        # A site seen before with other arguments (pointers differ between
                        # goroutines): reuse what its function name and file line gave.
                        paren = pending.rfind("(")
                        site = self._sites.get((pending[:paren], line))
                        if site is not None and len(pending) <= MAX_FRAME_LINE_CHARS:
                            args = pending[paren + 1 : -1]
                            name, file, number, offset = site
                            frame = _make_frame(
                                name, file, number, args, offset, not offset and args == "..."
                            )
                    if frame is not None:
                        frames = cur.frames
                        if len(frames) < MAX_FRAMES:
                            frames.append(frame)
                        else:
                            cur.cut += 1
                        return None
                self._attach(pending, line)
                return None
            return self._after_pending(pending, line)
        if line[-1:] == ")" and line[0] not in "\t " and not line.startswith("goroutine "):
            cur = self._cur
            if cur is not None and not cur.ancestors:
                # A function line; confirmed only by the file line after it.
                self._pending, self._pending_line = line, self.lineno
                return None
        return self._line(line)

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
            issues = self.report.issues
            if issues and issues[-1].line == self.lineno:
                issues.pop()  # the malformed last line is the input's end: say that instead
            self._issue(self.lineno, f"input ends inside goroutine {cur.id}: frame cut short", "")
        elif not cur.frames and not cur.unavailable and not cur.suspended:
            self._issue(cur.line, f"input ends inside goroutine {cur.id}: no frames", "")
        return self._finish()

    # -- one line ----------------------------------------------------------------------------

    def _after_pending(self, pending: str, line: str) -> Goroutine | None:
        """The line after a function line, when it is not led by a tab."""
        first = line[:1]
        if first and (first == " " or line[-1] in _FILE_LINE_ENDS):
            # A file line led by spaces (Markdown, CI logs) or by nothing (journald).
            file_line = _file_line_by_shape(line)
            if file_line is not None:
                self._attach(pending, file_line)
                return None
        if not self._pending_is_header(pending):
            self._junk(self._pending_line, pending)
            return self._line(line)
        # A header behind another prefix: a new section begins with it, and this line is the
        # first of its stack (behind the new prefix).
        done = self._section(pending, self._pending_line)
        if done is not None:
            self.extra.append(done)
        if self._prefix is not None:
            found = self._prefix.match(line)
            if found is not None:
                line = line[found.end() :]
        more = self._line(line)
        if more is not None:
            self.extra.append(more)
        return self.extra.pop(0) if self.extra else None

    def _line(self, line: str) -> Goroutine | None:
        """A line that does not complete a frame begun on the line before."""
        if not line:
            self._in_context = False
            return self._finish()
        first = line[0]
        if first == "\t" or first == " ":
            if line.isspace():
                self._in_context = False
                return self._finish()
            if "goroutine " in line and LOOKS_LIKE_HEADER.search(line) and not self._expanding:
                return self._section(line)  # an indented header: Markdown, "cat -n"
            self._indented_line(line)
            return None
        if first == "g" and line.startswith("goroutine "):
            header = parse_header(line)
            if header is None:
                header = self._suffixed_header(line)
            elif self._suffix and not self._suffixed and not self._expanding:
                self._suffix = self._suffix_trimmed = ""  # a section without the suffix
            if header is not None:
                if self._prefix is not None and not self._prefixed and not self._expanding:
                    self._prefix = None  # a section without the prefix begins
                return self._open(header)
            if line[10:11].isdigit():  # "goroutine 12 [chan rece": damaged or cut short
                done = self._finish()
                self._issue(self.lineno, "malformed goroutine header", line)
                return done
        cur = self._cur
        if cur is None:
            return self._outside(line)
        if cur.ancestors:
            return None
        if first == "c" and line.startswith("created by "):
            self._pending, self._pending_line = line, self.lineno
        elif first == "." and line.endswith(" elided..."):
            self._resume(cur)
            cur.elided = True
        elif first == "n" and line.startswith("non-Go function at pc="):
            self._resume(cur)
            self._append(cur, Frame(_NON_GO, offset=line[len("non-Go function at ") :]))
        elif first == "[" and line.startswith("[originating from goroutine "):
            cur.ancestors = True
        elif first == "g" and line == _STACK_UNAVAILABLE:  # its tab stripped (journald)
            self._resume(cur)
            cur.unavailable = True
        elif line[-1] != ")" and _ESCAPED_NEWLINE in line and not self._expanding:
            return self._escaped(line)
        else:
            # A function line, or a cgo symbolizer line; confirmed only by the file line after it.
            self._pending, self._pending_line = line, self.lineno
        return None

    # -- internals ---------------------------------------------------------------------------

    def _open(self, header: tuple) -> Goroutine | None:
        done = self._finish()
        self.headers += 1
        self._in_context = False
        if self._candidates:
            self._confirm_candidates()
        self._context_mark = len(self.report.context)
        self._cur = _Open(header, self.lineno)
        return done

    def _finish(self) -> Goroutine | None:
        cur = self._cur
        if cur is None:
            return None
        self._cur = None
        self.report.goroutines += 1
        if cur.cut:
            self._issue(
                cur.line,
                f"goroutine {cur.id} has {len(cur.frames) + cur.cut} frames: kept the first "
                f"{MAX_FRAMES} and its creator, dropped {cur.cut}",
                "",
            )
        return cur.build()

    def _issue(self, line: int, message: str, text: str) -> None:
        issues = self.report.issues
        if len(issues) < MAX_ISSUES:
            issues.append(ParseIssue(line, message, text[:200]))

    def _append(self, cur: _Open, frame: Frame) -> None:
        if len(cur.frames) < MAX_FRAMES:
            cur.frames.append(frame)
        else:
            cur.cut += 1

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
            cur.junk.append((line, text[:200]))
        if text.startswith(CONTEXT_PREFIXES):
            self._add_context(text)

    def _outside(self, line: str) -> Goroutine | None:
        """A line outside any goroutine: context, a header behind a prefix, an escaped dump."""
        # A context line and the lines up to the next blank line: before Go 1.23 a multi-line
        # panic message continued without indentation.
        if self._in_context or line.startswith(CONTEXT_PREFIXES):
            self._add_context(line)
            self._in_context = True
            return None
        if "goroutine " in line and not self._expanding:
            if _ESCAPED_NEWLINE in line:
                return self._escaped(line)
            if LOOKS_LIKE_HEADER.search(line):
                return self._section(line)
        if _CONTEXT_MARKER.search(line) is None:
            return None
        clean = _clean(line)
        if clean.startswith(CONTEXT_PREFIXES):  # behind colour codes, a backquote, a quote
            self._add_context(clean)
            self._in_context = True
        elif len(self._candidates) < MAX_CONTEXT_LINES:
            self._candidates.append(line[:1000])
        return None

    def _pending_is_header(self, pending: str) -> bool:
        return (
            not self._expanding
            and "goroutine " in pending
            and LOOKS_LIKE_HEADER.search(pending) is not None
        )

    def _section(self, line: str, lineno: int = 0) -> Goroutine | None:
        """A header behind a prefix: a section with that prefix begins (or a parse issue)."""
        pattern = find_prefix(line)
        if pattern is not None:
            found = pattern.match(line)
            assert found is not None
            text = line[found.end() :]
            header = parse_header(text) or self._suffixed_header(text)
            if header is not None:
                self._prefix = pattern
                self._prefixed = True
                return self._open(header)
        done = self._finish()
        self._issue(lineno or self.lineno, "a goroutine header that cannot be read", line)
        return done

    def _suffixed_header(self, line: str) -> tuple | None:
        """A header followed by a constant suffix: the suffix applies to the section."""
        if self._expanding:
            return None
        suffix = find_suffix(line, parse_header)
        if suffix is None:
            return None
        self._suffix = suffix
        self._suffix_trimmed = trimmed = suffix.rstrip()
        # Context lines before this header carried the suffix too (and so did the blank line
        # that ended them): strip it, and drop what followed that blank line.
        context = self.report.context
        kept = []
        for text in context[self._context_mark :]:
            text = strip_suffix(text, suffix, trimmed)
            if not text.strip():
                break
            kept.append(text)
        context[self._context_mark :] = kept
        return parse_header(line[: len(line) - len(suffix)])

    def _confirm_candidates(self) -> None:
        """Context lines behind a lead count when the lead is the section's log prefix."""
        prefix = self._prefix
        if prefix is not None:
            for line in self._candidates:
                found = prefix.match(line)
                if found is not None:
                    text = _clean(line[found.end() :])
                    if text.startswith(CONTEXT_PREFIXES):
                        self._add_context(text)
        self._candidates.clear()

    def _escaped(self, line: str) -> Goroutine | None:
        """A dump escaped inside one log line: read its lines as if they stood alone."""
        lines = escaped_dump(line)
        if lines is None:
            cur = self._cur
            if cur is not None:
                self._pending, self._pending_line = line, self.lineno
            return None
        done = self._finish()
        found = [done] if done is not None else []
        self._expanding = True
        decoration = self._prefix, self._suffix, self._suffix_trimmed
        self._prefix, self._suffix, self._suffix_trimmed = None, "", ""
        try:
            for text in [*lines, ""]:
                self.lineno -= 1  # every line of the escaped dump is on this line
                goroutine = self.feed(text)
                if goroutine is not None:
                    found.append(goroutine)
                if self.extra:
                    found.extend(self.extra)
                    self.extra.clear()
        finally:
            self._expanding = False
            self._in_context = False
            self._prefix, self._suffix, self._suffix_trimmed = decoration
        if not found:
            return None
        self.extra.extend(found[1:])
        return found[0]

    def _add_context(self, line: str) -> None:
        context = self.report.context
        if len(context) < MAX_CONTEXT_LINES:
            if "\x1b" in line:
                line = ANSI.sub("", line)
            context.append(line[:1000])

    def _indented_line(self, line: str) -> None:
        cur = self._cur
        if cur is None:
            if self._in_context:  # "panic: a [recovered]\n\tpanic: b", multi-line messages
                self._add_context(line)
            else:
                self._outside(line)  # behind an indenting prefix ("cat -n")
            return
        if cur.ancestors:
            return
        if line.lstrip() == _STACK_UNAVAILABLE:
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
            if not cur.suspended and file_line[:1] == "\t":
                # A tab-led line right after a function line of an open stack is that frame's
                # file line, not trailing text: the frame is lost, and that is said.
                self._issue(
                    self.lineno,
                    f"malformed file line in the stack of goroutine {cur.id}",
                    file_line,
                )
                return
            self._junk(self._pending_line, head)
            self._junk(self.lineno, file_line)
            return
        if cur.suspended:
            self._resume(cur)
        self._append(cur, frame)

    def _frame(self, head: str, file_line: str, *, bare: bool) -> Frame | None:
        """The Frame for a function line and its file line (shared between equal pairs)."""
        key: tuple[str, ...] = ("created by", head, file_line) if bare else (head, file_line)
        frame = self._frames.get(key)
        if frame is not None:
            return frame
        if len(head) > MAX_FRAME_LINE_CHARS or len(file_line) > MAX_FRAME_LINE_CHARS:
            return None
        if head[-1:] == ")":
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
        name = PSEUDO_NAMES.get(name, name)
        if file_line.startswith("\tpc="):
            frame = Frame(_intern(name), offset=file_line[1:].split(" ", 1)[0])
        else:
            files = self._files
            parsed = files.get(file_line)
            if parsed is None:
                parsed = _parse_file_line(file_line)
                if parsed is None:
                    return None
                if len(files) >= _FRAME_CACHE_LIMIT:
                    files.clear()
                files[file_line] = parsed
            file, number, offset = parsed
            name = _intern(name)
            offset = _intern(offset)  # one string per site, not per goroutine
            frame = Frame(name, file, number, args, offset, args == "..." and not offset)
            if not bare and head[-1:] == ")":
                sites = self._sites
                if len(sites) >= _FRAME_CACHE_LIMIT:
                    sites.clear()
                sites[(head[: head.rfind("(")], file_line)] = (name, file, number, offset)
        size = len(head) + len(file_line)
        if len(self._frames) >= _FRAME_CACHE_LIMIT or self._frame_chars > _FRAME_CACHE_CHARS:
            self._frames.clear()
            self._frame_chars = 0
        self._frames[key] = frame
        self._frame_chars += size
        return frame


def _frame_maker() -> Callable[..., Frame]:
    """A faster ``Frame(...)``: the frozen dataclass's __init__ costs three times as much.

    Frame has slots, so each field is set through its slot descriptor, which is what the
    generated __init__ does via object.__setattr__. Falls back to Frame itself otherwise.
    """
    names = [f.name for f in dataclasses.fields(Frame)]
    if names != ["function", "file", "line", "args", "offset", "inlined"]:
        return Frame
    setters = [getattr(Frame, name).__set__ for name in names]
    s0, s1, s2, s3, s4, s5 = setters
    new = object.__new__

    def make(function: str, file: str, line: int, args: str, offset: str, inlined: bool) -> Frame:
        frame = new(Frame)
        s0(frame, function)
        s1(frame, file)
        s2(frame, line)
        s3(frame, args)
        s4(frame, offset)
        s5(frame, inlined)
        return frame

    return make


_make_frame = _frame_maker()


def _clean(line: str) -> str:
    """``line`` without colour codes and the backquotes or quote marks that lead it."""
    if "\x1b" in line:
        line = ANSI.sub("", line)
    return line.lstrip("`> \t")


def _file_line_by_shape(line: str) -> str | None:
    """``line`` as a tab-led file line if it has a file line's shape, whatever leads it."""
    text = line.lstrip(" \t")
    if len(text) > MAX_FRAME_LINE_CHARS or _FILE_LINE.fullmatch(text) is None:
        return None
    return "\t" + text


def parse_lines(lines: Iterable[str], report: ParseReport | None = None) -> Iterator[Goroutine]:
    """Parse traceback lines and yield each goroutine as soon as it is complete."""
    parser = TracebackParser(report)
    yield from drain(parser, lines)
