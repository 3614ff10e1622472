"""Tracebacks inside logs whose every line carries a prefix (a timestamp, a host, a pod name).

``kubectl logs --timestamps``, ``docker logs -t`` and journald put something before each line
the Go runtime wrote, so a traceback no longer starts at column 0. The prefix of the first
goroutine header is taken as the shape of every prefix (digits may change from line to line,
everything else must stay), and it is removed from every line that has it. No I/O.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

# A goroutine header anywhere in a line; what stands before it is the candidate prefix.
_HEADER = re.compile(
    r"(?P<prefix>.*?[\s:\]|>])goroutine \d+ "
    r"(?:gp=0x[0-9a-f]+ m=(?:\d+|nil) (?:mp=0x[0-9a-f]+ )?)?\["
)
# How far to look for the first header before deciding the input has no prefixes.
LOOKAHEAD_LINES = 10_000


def prefix_pattern(prefix: str) -> re.Pattern[str]:
    """A pattern for prefixes shaped like ``prefix``: its digit runs may hold any digits."""
    parts = re.split(r"(\d+)", prefix)
    return re.compile("".join(r"\d+" if part.isdigit() else re.escape(part) for part in parts))


def find_prefix(line: str) -> re.Pattern[str] | None:
    """The prefix pattern if ``line`` is a goroutine header behind a prefix, else None."""
    if line.startswith("goroutine "):
        return None
    match = _HEADER.match(line)
    return prefix_pattern(match.group("prefix")) if match else None


def strip_log_prefix(lines: Iterable[str]) -> Iterator[str]:
    """``lines`` with a per-line log prefix removed, when the first goroutine header has one.

    Lines are only held back until the first header (at most LOOKAHEAD_LINES); line numbers do
    not change, since no line is dropped.
    """
    it = iter(lines)
    held: list[str] = []
    pattern = None
    for line in it:
        held.append(line)
        if "goroutine " in line:
            if line.startswith("goroutine "):
                break
            pattern = find_prefix(line)
            if pattern is not None:
                break
        if len(held) >= LOOKAHEAD_LINES:
            break
    if pattern is None:
        yield from held
        yield from it
        return
    match = pattern.match
    for line in itertools.chain(held, it):
        found = match(line)
        yield line[found.end() :] if found else line
