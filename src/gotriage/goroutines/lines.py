"""What the line-fed dump parsers share: feed lines, yield what completes, close at the end."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from gotriage.model import Goroutine


class LineParser(Protocol):
    lineno: int

    def feed(self, line: str) -> Goroutine | None: ...

    def close(self) -> Goroutine | None: ...


def drain(parser: LineParser, lines: Iterable[str]) -> Iterator[Goroutine]:
    """Every goroutine ``parser`` completes from ``lines``, then the one the end completes."""
    feed = parser.feed
    # A parser that can complete several goroutines with one line keeps the others in "extra".
    extra: list[Goroutine] = getattr(parser, "extra", [])
    if extra:
        yield from extra
        extra.clear()
    for line in lines:
        done = feed(line)
        if done is not None:
            yield done
            if extra:
                yield from extra
                extra.clear()
    last = parser.close()
    if last is not None:
        yield last
