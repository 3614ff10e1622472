"""Source lines for blocking sites, when the Go source is on this machine.

The only part of the goroutine analysis that reads files. A frame's file is looked up at its
recorded path, then under ``--source-root`` by ever shorter suffixes of that path, so a dump
taken from a binary built in /build/src/... still finds ./internal/....
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

from gotriage.knowledge.wait_reasons import Kind

MAX_SOURCE_BYTES = 4 * 1024 * 1024


class SourceLookup:
    def __init__(self, roots: tuple[Path, ...] = ()) -> None:
        self.roots = roots
        self._lines = lru_cache(maxsize=256)(self._read)

    def _candidates(self, file: str) -> list[Path]:
        candidates = [Path(file)]
        parts = PurePosixPath(file).parts
        for root in self.roots:
            candidates += [root.joinpath(*parts[i:]) for i in range(1, len(parts))]
        return candidates

    def _read(self, file: str) -> tuple[str, ...] | None:
        for candidate in self._candidates(file):
            try:
                if candidate.is_file() and candidate.stat().st_size <= MAX_SOURCE_BYTES:
                    text = candidate.read_text(encoding="utf-8", errors="replace")
                    return tuple(text.splitlines())
            except OSError:
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
