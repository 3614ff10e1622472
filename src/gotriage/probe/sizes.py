"""What max-header and max-body share: one sized request, the search, the measurement.

``attempt(size)`` answers True (accepted), False (refused) or a string (why it cannot tell).
The search grows until refused, then bisects: it finds the largest accepted size ``lo`` and the
smallest refused size ``hi``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from gotriage.probe.common import error, exchange
from gotriage.probe.conn import Answer, Connection, Session
from gotriage.probe.model import Measurement, Status, Unit

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


async def accepted(
    session: Session,
    method: str,
    path: str,
    send: Callable[[Connection], Coroutine[Any, Any, object]],
    *,
    accepts: Callable[[int], bool],
    within: float,
    what: str,
    seen: Callable[[Answer], None] | None = None,
) -> bool | str:
    """Whether the server took the request ``send`` writes: an answer whose status ``accepts``
    (a cut connection is a refusal); a string when it cannot tell. ``seen`` gets the answer."""
    done = await exchange(session, method, path, send, Connection.answer_or_close, within)
    if isinstance(done, str):
        return done
    conn, ending = done
    if ending is None:
        return f"no answer to {what} within {within:g} s"
    if isinstance(ending, Answer):
        # an answer to a complete request: the server was answering then
        session.answered.append((conn.opened_at, ending.at))
        if seen is not None:
            seen(ending)
        return accepts(ending.status)
    if not await session.alive():
        return "the target stopped accepting connections during the measurement"
    return False


def size_measurement(
    name: str, result: SearchResult, *, smallest: int, refused_all: str, capped: str
) -> Measurement:
    """The search's result as a measurement: an error when even ``smallest`` bytes were
    refused, "none" with the ``capped`` detail when nothing was refused up to the cap."""
    if result.error:
        return error(name, Unit.BYTES, result.error, result.attempts)
    if result.lo < smallest:
        return error(name, Unit.BYTES, refused_all, result.attempts)
    if result.hi is None:
        return Measurement(
            name,
            Status.NONE,
            Unit.BYTES,
            value=result.lo,
            outcome="accepted",
            detail=capped,
            attempts=result.attempts,
        )
    return Measurement(
        name,
        Status.MEASURED,
        Unit.BYTES,
        value=result.lo,
        precision=result.hi - result.lo,
        outcome="refused",
        detail=f"{result.hi} bytes refused",
        attempts=result.attempts,
    )
