"""Concurrent slow connections held: how many half-sent requests the server keeps open at once.

Open connections in small batches, each sending the start of a request and nothing more, up to
``--max-connections``; then hold them briefly and check that a fresh request is still answered.
The kernel completes handshakes on its own, so a held connection may only be waiting in the
accept queue of a server with a connection cap: completing the request on every held connection
tells them apart, since only the ones the server accepted are answered.
Go has no connection cap of its own: only ReadHeaderTimeout ends these connections, and a cap
needs a limiting listener (golang.org/x/net/netutil.LimitListener). "No cap up to N" is a finding.
"""

from __future__ import annotations

import asyncio

from gotriage.probe.common import OWN_LIMIT, background, connect, error, stop
from gotriage.probe.conn import Answer, Connection, PeerClosed, Session, monotonic
from gotriage.probe.idle_timeout import plain_get
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit

NAME = "connections"
BATCH = 16
HOLD = 0.5
SERVICE_TIMEOUT = 2.0
# completed requests are waited for until none has come for ANSWER_QUIET s (a capped server
# answers the ones it accepted at once, then nothing), at most ANSWER_WINDOW s
ANSWER_QUIET = 0.5
ANSWER_WINDOW = 3.0
# held connections given up when the probe's own file limit stopped the ramp, so that the
# checks that follow can still connect
FREED = 8


class _Held:
    def __init__(self) -> None:
        self.open = 0
        self.peak = 0
        self.closed_by_server = 0
        self.failed = 0
        self.refused = ""
        self.waiting: list[Connection] = []  # half-sent, neither answered nor closed yet
        self.completing = False  # the held requests have been completed
        self.answered = 0  # completed requests the server answered
        self.closing_answers = 0  # of those, answers that closed the connection

    def opened(self, conn: Connection) -> None:
        self.open += 1
        self.peak = max(self.peak, self.open)
        self.waiting.append(conn)

    def ended(self, conn: Connection, ending: Answer | PeerClosed) -> None:
        self.open -= 1
        if conn in self.waiting:
            self.waiting.remove(conn)
        if self.completing and isinstance(ending, Answer):
            self.answered += 1
            self.closing_answers += not ending.keep_alive
        else:
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
    held.opened(conn)
    ending = await conn.answer_or_close()  # any answer or close ends the hold
    held.ended(conn, ending)


async def _still_served(session: Session) -> bool | str:
    response = await plain_get(session, session.remaining(SERVICE_TIMEOUT))
    if isinstance(response, str):
        return response
    return isinstance(response, Answer)


async def _accepted(session: Session, held: _Held) -> tuple[int, int]:
    """Complete the request on every held connection: only those the server itself accepted
    are answered (the others wait in the kernel's accept queue). How many were completed, and
    how many of them were neither answered nor closed (queued)."""
    waiting = list(held.waiting)
    held.completing = True
    for conn in waiting:
        await conn.send(b"\r\n")
    now = monotonic()
    deadline = now + session.remaining(ANSWER_WINDOW)
    last, answered = now, 0
    while held.waiting and now < deadline and now - last < ANSWER_QUIET:
        await asyncio.sleep(0.02)
        now = monotonic()
        if held.answered != answered:
            last, answered = now, held.answered
    return len(waiting), len(held.waiting)


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    limit = options.max_connections
    held = _Held()
    conns: list[Connection] = []
    watchers: list[asyncio.Task[None]] = []
    # leave time, before the run's end, for the hold and the two checks that follow the ramp
    # (but ramp for a second at least)
    start = monotonic()
    after_ramp = HOLD + SERVICE_TIMEOUT + ANSWER_QUIET + 1.0
    ramp_deadline = max(
        start + min(options.max_wait, 1.0),
        min(start + options.max_wait, session.deadline - after_ramp),
    )
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
        own_limit = held.refused.startswith(OWN_LIMIT)
        if own_limit:
            for conn in held.waiting[-FREED:]:
                conn.abort()
        await asyncio.sleep(HOLD)
        held_now = held.open
        served = await _still_served(session)
        others = len(session.open_connections - set(conns))
        completed, queued = await _accepted(session, held)
    finally:
        for watcher in watchers:
            await stop(watcher)
        for conn in conns:
            conn.abort()
    if isinstance(served, str) and served.startswith(OWN_LIMIT):
        return error(NAME, Unit.CONNECTIONS, served, len(watchers))
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
    if own_limit:
        notes.append(f"the probe's own file limit stopped it at {held.peak}: {held.refused}")
    elif held.refused:
        notes.append(f"new connections failed after {held.peak}: {held.refused}")
    outcome = "served" if served is True else "not served"
    if served is not True:
        notes.append(
            f"a new request was not answered within {SERVICE_TIMEOUT:g} s while they were open"
        )
    accepted = held.answered
    capped = queued > 0 and not held.closing_answers
    if capped:
        also = f" while {others} other probe connections were open" if others > 0 else ""
        notes.append(
            f"the server itself had accepted only {accepted} of the {completed} still held"
            f"{also} (their completed requests were answered, the other {queued} waited in "
            f"the kernel's accept queue): a connection cap of {accepted}"
        )
    elif held.closing_answers:
        notes.append(
            "the server closed connections after answering, so how many it accepted at once "
            "could not be told"
        )
    value = accepted if capped else held.peak
    status = Status.MEASURED
    if not capped and held.peak >= limit and served is True:
        status = Status.NONE
    if own_limit and not capped and served is True:
        status = Status.NONE  # no cap seen up to what the probe itself could open
    return Measurement(
        NAME,
        status,
        Unit.CONNECTIONS,
        value=value,
        precision=0,
        outcome=outcome,
        detail="; ".join(notes),
        attempts=len(watchers) + 1,
    )
