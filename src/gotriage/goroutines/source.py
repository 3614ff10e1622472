"""Source lines for blocking sites, when the Go source is on this machine.

The only part of the goroutine analysis that reads files. A frame's file is looked up at its
recorded path, then under ``--source-root`` by ever shorter suffixes of that path, so a dump
taken from a binary built in /build/src/... still finds ./internal/.... Only ``.go`` files are
ever read, and the lookup costs one pass over the path's text however deep the path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from gotriage.knowledge.wait_reasons import Kind

MAX_SOURCE_BYTES = 4 * 1024 * 1024
# A longer path cannot be opened (Linux PATH_MAX), and Go files sit a few dozen directories
# deep at most, so no more suffixes than this are tried: lookup stays linear in a path's depth.
MAX_PATH_CHARS = 4096
MAX_SUFFIX_PARTS = 64


class SourceLookup:
    """Lines of Go source files named by a dump, found at their path or under ``roots``.

    Only ``.go`` files are read (a dump names the files; it must never make gotriage print
    anything else), and only regular files of at most :data:`MAX_SOURCE_BYTES`.
    """

    def __init__(self, roots: tuple[Path, ...] = ()) -> None:
        self.roots = roots
        self._lines = lru_cache(maxsize=256)(self._read)

    def _candidates(self, file: str) -> Iterator[Path]:
        if not file.endswith(".go") or "\0" in file:
            return
        if len(file) <= MAX_PATH_CHARS:
            yield Path(file)
        if not self.roots:
            return
        # The last components only, split from the right: a 20,000-component path costs one
        # pass over its text, not one path per component.
        parts = [p for p in file[-MAX_PATH_CHARS:].split("/") if p and p not in (".", "..")]
        if len(file) > MAX_PATH_CHARS and parts:
            parts = parts[1:]  # the first may be cut in the middle
        parts = parts[-MAX_SUFFIX_PARTS:]
        for root in self.roots:
            for i in range(len(parts)):
                yield root.joinpath(*parts[i:])

    def _read(self, file: str) -> tuple[str, ...] | None:
        for candidate in self._candidates(file):
            try:
                if not candidate.is_file() or candidate.resolve().suffix != ".go":
                    continue
                if candidate.stat().st_size > MAX_SOURCE_BYTES:
                    continue
                text = candidate.read_text(encoding="utf-8", errors="replace")
                return tuple(text.splitlines())
            except (OSError, ValueError):
                continue
        return None

    def line(self, file: str, line: int) -> str | None:
        lines = self._lines(file) if file else None
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

    def context(self, file: str, line: int, around: int = 2) -> list[tuple[int, str]]:
        lines = self._lines(file) if file else None
        if lines is None or not 1 <= line <= len(lines):
            return []
        first, last = max(1, line - around), min(len(lines), line + around)
        return [(n, lines[n - 1]) for n in range(first, last + 1)]


_SEND = re.compile(r"^\s*[\w.\[\]()*]+\s*<-")
_RANGE = re.compile(r"\brange\b")


def kind_from_source(text: str) -> Kind:
    """How a line of Go blocks, for formats that dropped the runtime frames (debug=1)."""
    code = text.split("//", 1)[0]
    if re.search(r"\bselect\s*{\s*}", code):
        return Kind.SELECT_NO_CASES
    if re.search(r"\bselect\s*{", code):
        return Kind.SELECT
    if _SEND.search(code) and not code.lstrip().startswith("<-"):
        return Kind.CHAN_SEND
    if "<-" in code or _RANGE.search(code):
        return Kind.CHAN_RECEIVE
    return Kind.UNKNOWN
