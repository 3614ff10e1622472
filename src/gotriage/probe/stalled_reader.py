"""Stalled reader (Go: WriteTimeout): does the server abandon a client that stops reading?

Best effort. A client that stops reading a large response (``--large-path``) leaves the server
blocked in a write; Go's write deadline ends that write. The abandonment itself cannot be seen
while not reading (the close waits behind the unread data), so several connections stop reading
for growing periods, each drains its response afterwards, and the first one found truncated
bounds when the server gave up: between the previous stall and its own. That interval is then
narrowed by seven more stalls spread inside it, run together, when the run has time left.
"""

from __future__ import annotations

import asyncio

import h11

from gotriage.probe.common import background, bounded, connect, error, skipped, stop
from gotriage.probe.conn import Connection, PeerClosed, Session, monotonic
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit

NAME = "stalled-reader"
FIRST_STALL = 0.5
GROWTH = 1.35
RECEIVE_BUFFER = 4096
DRAIN_BUFFER = 4 << 20
DRAIN_TIME = 1.0
REFINE = 7  # stalls inside the first interval found, to narrow it eightfold
# More than socket buffers can hold once the server has stopped writing (Linux tcp_wmem max
# is 4 MiB): reading past this means the server is still sending.
DRAIN_CAP = 8 << 20


def stalls(max_wait: float) -> list[float]:
    """Stall durations: 0.5 s growing by 35% each time, ending at ``max_wait``."""
    out: list[float] = []
    stall = FIRST_STALL
    while stall < max_wait:
        out.append(round(stall, 3))
        stall *= GROWTH
    out.append(max_wait)
    return out


async def _drain(conn: Connection) -> str:
    """Read until the response ends: "truncated", "complete", or "sending" (still going)."""
    while conn.body_bytes < DRAIN_CAP:
        event = await conn.next_event()
        if isinstance(event, PeerClosed):
            return "truncated"
        if isinstance(event, h11.EndOfMessage):
            return "complete"
    return "sending"


async def _stall(session: Session, path: str, stall: float) -> tuple[str, float]:
    """The response after ``stall`` s unread, and when that was seen (s after sending)."""
    conn = await connect(session, receive_buffer=RECEIVE_BUFFER)
    if isinstance(conn, str):
        return "error: " + conn, 0.0
    try:
        conn.expect_response("GET", path)
        sent = monotonic()
        if not await conn.send(session.request_head("GET", path, "\r\n")):
            return "truncated", monotonic() - sent
        await asyncio.sleep(stall)
        # drain fast, so that a cut made during the stall is seen soon after it
        conn.set_receive_buffer(DRAIN_BUFFER)
        outcome = await bounded(_drain(conn), monotonic() + DRAIN_TIME)
        return outcome or "sending", monotonic() - sent
    finally:
        conn.abort()


async def _first_cut(
    session: Session, path: str, plan: list[float], *, first: bool
) -> tuple[int, str, float] | None:
    """Stall one connection for each duration of ``plan`` at once; the first (in the plan's
    order) whose response was not still going: (index, outcome, seen), or None."""
    tasks = [background(_stall(session, path, s)) for s in plan]
    try:
        for index, task in enumerate(tasks):
            outcome, seen = await task
            # a complete response on the first stall means the stall never blocked the server
            complete_first = first and index == 0 and outcome == "complete"
            if outcome not in ("sending", "complete") or complete_first:
                return index, outcome, seen
    finally:
        for task in tasks:
            await stop(task)
    return None


def refinement(low: float, high: float) -> list[float]:
    """``REFINE`` stalls spread evenly inside (``low``, ``high``)."""
    step = (high - low) / (REFINE + 1)
    return [round(low + step * k, 3) for k in range(1, REFINE + 1)]


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    if not options.large_path:
        return skipped(
            NAME,
            Unit.SECONDS,
            "--large-path",
            "needs an endpoint with a response of 16 MiB or more",
        )
    path = options.large_path
    plan = stalls(options.max_wait)
    found = await _first_cut(session, path, plan, first=True)
    if found is None:
        return Measurement(
            NAME,
            Status.NONE,
            Unit.SECONDS,
            value=options.max_wait,
            outcome="sending",
            detail=f"a client that stopped reading {path} was still being served after "
            f"{options.max_wait:g} s",
            attempts=len(plan),
        )
    index, outcome, seen = found
    if outcome.startswith("error: "):
        return error(NAME, Unit.SECONDS, outcome.removeprefix("error: "), index + 1)
    if outcome == "complete":
        return error(
            NAME,
            Unit.SECONDS,
            f"the whole response of {path} fit in the socket buffers; name a larger response",
            index + 1,
        )
    if not await session.alive():
        return error(
            NAME,
            Unit.SECONDS,
            "the target stopped accepting connections during the measurement",
            index + 1,
        )
    # Not cut after the previous stall; cut when this one's drain ended (the cut may have
    # come while draining, so the drain's end, not the stall, is the upper bound).
    previous = plan[index - 1] if index else 0.0
    upper = max(seen, plan[index])
    cut_after, attempts = plan[index], index + 1
    # The plan grows by 35% a step, too coarse for a point value: stall more connections
    # inside the interval, when there is time left for it, and keep the narrower interval.
    inside = refinement(previous, upper)
    # (the run is cut a second before its deadline, for the final liveness check)
    if session.remaining(upper + DRAIN_TIME + 2.0) > upper + DRAIN_TIME + 1.0:
        narrowed = await _first_cut(session, path, inside, first=False)
        attempts += len(inside)
        if narrowed is None:
            previous = inside[-1]
        elif not narrowed[1].startswith("error: ") and narrowed[1] != "complete":
            at, _, seen_inside = narrowed
            previous = inside[at - 1] if at else previous
            upper = min(upper, max(seen_inside, inside[at]))
            cut_after = inside[at]
    return Measurement(
        NAME,
        Status.MEASURED,
        Unit.SECONDS,
        value=round((upper + previous) / 2, 3),
        precision=round((upper - previous) / 2, 3),
        outcome="abandoned",
        detail=f"the response was cut for a client that stopped reading for {cut_after:g} s "
        f"(seen {upper:.2f} s after the request) but not for {previous:g} s",
        attempts=attempts,
    )
