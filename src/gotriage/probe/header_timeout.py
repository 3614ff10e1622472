"""Header timeout (Go: ReadHeaderTimeout, else ReadTimeout): a slowloris request.

Send a request line and the start of a header, then keep trickling header bytes. Go sets this
deadline once when it starts reading the request, so trickling does not extend it, and Go 1.27
answers an expired header read by closing the connection without a response (no 408; see
``conn.serve`` in net/http/server.go: a timeout is a "common net read error", not replied to).
Servers that reset their timer on every byte never time out here, which is what slowloris exploits.
"""

from __future__ import annotations

import asyncio

from gotriage.probe.common import background, bounded, connect, error, stop, timeout_measurement
from gotriage.probe.conn import Answer, Connection, Session
from gotriage.probe.model import Measurement, ProbeOptions, Unit

NAME = "header-timeout"
TRICKLE_INTERVAL = 0.25
TRICKLE_BYTES = b"aaaa"


async def trickle(conn: Connection, data: bytes, interval: float) -> None:
    while await conn.send(data):
        await asyncio.sleep(interval)


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    conn = await connect(session)
    if isinstance(conn, str):
        return error(NAME, Unit.SECONDS, conn)
    sender = None
    try:
        started = conn.opened_at
        path = session.target.path
        conn.expect_response("GET", path, session.host_headers())
        await conn.send(session.request_head("GET", path, "X-Gotriage-Slow: "))
        sender = background(trickle(conn, TRICKLE_BYTES, TRICKLE_INTERVAL))
        ending = await bounded(conn.answer_or_close(), started + options.max_wait)
    finally:
        await stop(sender)
        conn.abort()
    if isinstance(ending, Answer) and ending.status != 408:
        return error(
            NAME,
            Unit.SECONDS,
            f"answered {ending.status} to a request still being sent after "
            f"{ending.at - started:.2f} s: a refusal, not a timeout",
            attempts=1,
        )
    return await timeout_measurement(
        session, NAME, conn, started, ending, options.max_wait, what="the rest of the header"
    )
