"""Concurrent slow connections held: how many half-sent requests the server keeps open at once.

Open connections in small batches, each sending the start of a request and nothing more, up to
``--max-connections``; then hold them briefly and check that a fresh request is still answered.
Go has no connection cap of its own: only ReadHeaderTimeout ends these connections, and a cap
needs a limiting listener (golang.org/x/net/netutil.LimitListener). "No cap up to N" is a finding.
"""

from __future__ import annotations

import asyncio

from gotriage.probe.common import background, connect, error, exchange, stop
from gotriage.probe.conn import Connection, PeerClosed, Session, monotonic
from gotriage.probe.idle_timeout import read_response
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit

NAME = "connections"
BATCH = 16
HOLD = 0.5
SERVICE_TIMEOUT = 2.0


class _Held:
    def __init__(self) -> None:
        self.open = 0
        self.peak = 0
        self.closed_by_server = 0
        self.failed = 0
        self.refused = ""

    def opened(self) -> None:
        self.open += 1
        self.peak = max(self.peak, self.open)

    def closed(self) -> None:
        self.open -= 1
        self.closed_by_server += 1


async def _hold(session: Session, held: _Held, conns: list[Connection]) -> None:
    conn = await connect(session)
    if isinstance(conn, str):
        held.refused = held.refused or conn
        return
    conns.append(conn)
    path = session.target.path
    conn.expect_response("GET", path)
    if not await conn.send(session.request_head("GET", path)):
        held.failed += 1
        return
    held.opened()
    await conn.answer_or_close()  # any answer or close ends the hold
    held.closed()


async def _still_served(session: Session) -> bool | str:
    path = session.target.path
    head = session.request_head("GET", path, "Connection: close\r\n\r\n")
    done = await exchange(
        session, "GET", path, lambda conn: conn.send(head), read_response, SERVICE_TIMEOUT
    )
    if isinstance(done, str):
        return done
    _, response = done
    return response is not None and not isinstance(response, PeerClosed)


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    limit = options.max_connections
    held = _Held()
    conns: list[Connection] = []
    watchers: list[asyncio.Task[None]] = []
    ramp_deadline = monotonic() + options.max_wait
    try:
        while len(watchers) < limit and not held.refused and monotonic() < ramp_deadline:
            batch = min(BATCH, limit - len(watchers))
            started = len(watchers)
            watchers.extend(background(_hold(session, held, conns)) for _ in range(batch))
            # let this batch connect before the next one
            deadline = min(monotonic() + 5.0, ramp_deadline)
            while (
                held.open + held.closed_by_server + held.failed < started + batch
                and monotonic() < deadline
            ):
                if held.refused or all(w.done() for w in watchers[started:]):
                    break
                await asyncio.sleep(0.01)
        await asyncio.sleep(HOLD)
        held_now = held.open
        served = await _still_served(session)
    finally:
        for watcher in watchers:
            await stop(watcher)
        for conn in conns:
            conn.abort()
    if isinstance(served, str) and not await session.alive():
        return error(
            NAME,
            Unit.CONNECTIONS,
            "the target stopped accepting connections during the measurement",
            len(watchers),
        )
    notes = [f"held {held.peak} at once, {held_now} still open after {HOLD:g} s"]
    if held.closed_by_server:
        notes.append(f"the server closed {held.closed_by_server} of them")
    if held.refused:
        notes.append(f"new connections failed after {held.peak}: {held.refused}")
    outcome = "served" if served is True else "not served"
    if served is not True:
        notes.append(
            f"a new request was not answered within {SERVICE_TIMEOUT:g} s while they were open"
        )
    status = Status.NONE if held.peak >= limit and served is True else Status.MEASURED
    return Measurement(
        NAME,
        status,
        Unit.CONNECTIONS,
        value=held.peak,
        precision=0,
        outcome=outcome,
        detail="; ".join(notes),
        attempts=len(watchers) + 1,
    )
