"""The size searches shared by max-header and max-body: grow until refused, then bisect.

``attempt(size)`` answers True (accepted), False (refused) or a string (why it cannot tell).
The search finds the largest accepted size ``lo`` and the smallest refused size ``hi``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Attempt = Callable[[int], Awaitable[bool | str]]


@dataclass(frozen=True, slots=True)
class SearchResult:
    lo: int  # largest size accepted (0: none)
    hi: int | None  # smallest size refused; None: nothing refused up to the cap
    attempts: int
    error: str = ""


def _close_enough(lo: int, hi: int, absolute: int, relative: float) -> bool:
    return hi - lo <= max(absolute, int(lo * relative), 1)


async def search(
    attempt: Attempt,
    *,
    start: int,
    cap: int,
    absolute: int = 0,
    relative: float = 0.0,
) -> SearchResult:
    """Double from ``start`` up to ``cap`` (halve below ``start`` when refused), then bisect."""
    attempts = 0
    lo, hi = 0, None
    size = max(1, min(start, cap))
    while True:
        attempts += 1
        outcome = await attempt(size)
        if isinstance(outcome, str):
            return SearchResult(lo, hi, attempts, outcome)
        if outcome:
            lo = size
            if size >= cap:
                return SearchResult(lo, None, attempts)
        else:
            hi = size
        if hi is None:
            size = min(size * 2, cap)
        elif not lo:
            if size <= 1:
                return SearchResult(0, hi, attempts)
            size //= 2
        elif _close_enough(lo, hi, absolute, relative):
            return SearchResult(lo, hi, attempts)
        else:
            size = (lo + hi) // 2
