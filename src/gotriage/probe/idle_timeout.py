"""Idle keep-alive timeout (Go: IdleTimeout, else ReadTimeout): one request, then silence.

Go starts the idle deadline after it has written the response, so the clock starts when the
complete response has arrived and stops when the server closes the connection.
"""

from __future__ import annotations

import h11

from gotriage.probe.common import bounded, connect, error, exchange, timeout_measurement
from gotriage.probe.conn import Answer, Connection, PeerClosed, Session, keeps_alive, monotonic
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit

NAME = "idle-timeout"
RESPONSE_CAP = 8 << 20


async def read_response(conn: Connection) -> Answer | PeerClosed:
    """Read one whole response (status, body, end); the Answer is stamped at its end."""
    status, keep_alive = 0, True
    while True:
        event = await conn.next_event()
        if isinstance(event, PeerClosed):
            return event
        if isinstance(event, h11.Response):
            status = event.status_code
            keep_alive = keeps_alive(event)
        elif isinstance(event, h11.EndOfMessage):
            return Answer(status, monotonic(), keep_alive)
        elif conn.body_bytes > RESPONSE_CAP:
            return PeerClosed("invalid", monotonic(), "response larger than 8 MiB")


async def plain_get(session: Session, within: float) -> Answer | PeerClosed | str | None:
    """One complete ``GET URL`` with ``Connection: close`` on a new connection, read whole
    within ``within`` s (None: not by then; a string: no connection). An answer is recorded in
    ``session.answered``: evidence that the server was answering at that time."""
    path = session.target.path
    head = session.request_head("GET", path, "Connection: close\r\n\r\n")
    sent = monotonic()
    done = await exchange(session, "GET", path, lambda conn: conn.send(head), read_response, within)
    if isinstance(done, str):
        return done
    response = done[1]
    if isinstance(response, Answer):
        session.answered.append((sent, response.at))
    return response


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    conn = await connect(session)
    if isinstance(conn, str):
        return error(NAME, Unit.SECONDS, conn)
    try:
        path = session.target.path
        conn.expect_response("GET", path)
        await conn.send(session.request_head("GET", path, "\r\n"))
        response = await bounded(read_response(conn), conn.opened_at + options.max_wait)
        if response is None:
            return error(
                NAME,
                Unit.SECONDS,
                f"no complete response to GET {path} within {options.max_wait:g} s",
                attempts=1,
            )
        if isinstance(response, PeerClosed):
            return error(
                NAME,
                Unit.SECONDS,
                f"GET {path} got no complete response (connection {response.kind})",
                attempts=1,
            )
        session.answered.append((conn.opened_at, response.at))
        if not response.keep_alive:
            return Measurement(
                NAME,
                Status.MEASURED,
                Unit.SECONDS,
                value=0.0,
                precision=0.0,
                outcome="no keep-alive",
                detail=f"GET {path} answered with Connection: close (no idle connections)",
                attempts=1,
            )
        started = response.at
        ending = await bounded(conn.read_until_closed(), started + options.max_wait)
    finally:
        conn.abort()
    return await timeout_measurement(
        session, NAME, conn, started, ending, options.max_wait, what="a next request"
    )
