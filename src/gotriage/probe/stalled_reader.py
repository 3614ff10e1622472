"""Stalled reader (Go: WriteTimeout): does the server abandon a client that stops reading?

Best effort. A client that stops reading a large response (``--large-path``) leaves the server
blocked in a write; Go's write deadline ends that write. The abandonment itself cannot be seen
while not reading (the close waits behind the unread data), so several connections stop reading
for growing periods, each drains its response afterwards, and the first one found truncated
bounds when the server gave up: between the previous stall and its own.
"""

from __future__ import annotations

import asyncio

import h11

from gotriage.probe.common import background, bounded, connect, error, skipped, stop
from gotriage.probe.conn import Connection, PeerClosed, Session, monotonic
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit

NAME = "stalled-reader"
FIRST_STALL = 0.5
# 10% a step: the middle of the interval found is within 5% of where the server gave up
GROWTH = 1.1
RECEIVE_BUFFER = 4096
DRAIN_BUFFER = 4 << 20
DRAIN_TIME = 1.0
# More than socket buffers can hold once the server has stopped writing (Linux tcp_wmem max
# is 4 MiB, the stalled receive buffer a few KiB): reading past this means the server is still
# sending. Kept small, since every stall reads this much when it was not cut.
DRAIN_CAP = 5 << 20


def stalls(max_wait: float) -> list[float]:
    """Stall durations: 0.5 s growing by 10% each time, ending at ``max_wait``."""
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
    tasks = [background(_stall(session, path, s)) for s in plan]
    found: tuple[int, str, float] | None = None
    try:
        for index, task in enumerate(tasks):
            outcome, seen = await task
            # a complete response on the first stall means the stall never blocked the server
            if outcome not in ("sending", "complete") or (index == 0 and outcome == "complete"):
                found = (index, outcome, seen)
                break
    finally:
        for task in tasks:
            await stop(task)
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
    return Measurement(
        NAME,
        Status.MEASURED,
        Unit.SECONDS,
        value=round((upper + previous) / 2, 3),
        precision=round((upper - previous) / 2, 3),
        outcome="abandoned",
        detail=f"the response was cut for a client that stopped reading for {plan[index]:g} s "
        f"(seen {seen:.2f} s after the request) but not for {previous:g} s",
        attempts=index + 1,
    )
