"""Header timeout (Go: ReadHeaderTimeout, else ReadTimeout): a slowloris request.

Send a request line and the start of a header, then keep trickling header bytes. Go sets this
deadline once when it starts reading the request, so trickling does not extend it, and Go 1.27
answers an expired header read by closing the connection without a response (no 408; see
``conn.serve`` in net/http/server.go: a timeout is a "common net read error", not replied to).
Servers that reset their timer on every byte never time out here, which is what slowloris exploits.
"""

from __future__ import annotations

import asyncio

from gotriage.probe.common import error, exchange, timeout_measurement
from gotriage.probe.conn import Answer, Connection, PeerClosed, Session
from gotriage.probe.model import Measurement, ProbeOptions, Unit

NAME = "header-timeout"
TRICKLE_INTERVAL = 0.25
TRICKLE_BYTES = b"aaaa"


async def trickle(conn: Connection, head: bytes) -> None:
    """Send ``head``, then a few bytes every ``TRICKLE_INTERVAL`` until the server ends it."""
    if not await conn.send(head):
        return
    while await conn.send(TRICKLE_BYTES):
        await asyncio.sleep(TRICKLE_INTERVAL)


async def slow_request(
    session: Session, method: str, path: str, head: bytes, max_wait: float
) -> tuple[Connection, Answer | PeerClosed | None] | str:
    """``head`` then a trickle, until the server answers or ends the connection (None: not
    within ``max_wait`` s of connecting); a string says why there was no connection."""
    return await exchange(
        session,
        method,
        path,
        lambda conn: trickle(conn, head),
        Connection.answer_or_close,
        max_wait,
    )


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    path = session.target.path
    head = session.request_head("GET", path, "X-Gotriage-Slow: ")
    done = await slow_request(session, "GET", path, head, options.max_wait)
    if isinstance(done, str):
        return error(NAME, Unit.SECONDS, done)
    conn, ending = done
    started = conn.opened_at
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
