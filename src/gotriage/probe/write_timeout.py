"""Write/handler deadline (Go: WriteTimeout, or http.TimeoutHandler): a request to a slow endpoint.

Go sets the write deadline when it has read the request headers; a write after it fails and the
response is cut. A handler that streams sees that at its next write; one that sleeps and writes
once is only abandoned when it returns, so the connection closes without a response at the end of
the handler (an upper bound for WriteTimeout). http.TimeoutHandler answers 503 at its deadline.
Needs ``--slow-path``: an endpoint that takes longer than the deadline.
"""

from __future__ import annotations

import h11

from gotriage.probe.common import bounded, connect, error, skipped, timeout_measurement
from gotriage.probe.conn import Answer, Connection, PeerClosed, Session, monotonic
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit

NAME = "write-timeout"


async def _follow(conn: Connection) -> tuple[str, Answer | PeerClosed]:
    """How the slow response ended: ("cut"|"closed"|"503"|"complete", ending)."""
    status = 0
    while True:
        event = await conn.next_event()
        if isinstance(event, PeerClosed):
            return ("cut" if status else event.kind), event
        if isinstance(event, h11.Response):
            status = event.status_code
            if status == 503:
                return "503", Answer(status, monotonic())
        elif isinstance(event, h11.EndOfMessage):
            return "complete", Answer(status, monotonic())


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    if not options.slow_path:
        return skipped(NAME, Unit.SECONDS, "--slow-path", "needs an endpoint that takes long")
    conn = await connect(session)
    if isinstance(conn, str):
        return error(NAME, Unit.SECONDS, conn)
    try:
        path = options.slow_path
        conn.expect_response("GET", path)
        await conn.send(session.request_head("GET", path, "\r\n"))
        started = monotonic()
        followed = await bounded(_follow(conn), started + options.max_wait)
    finally:
        conn.abort()
    if followed is None:
        return await timeout_measurement(
            session, NAME, conn, started, None, options.max_wait, what="the slow response"
        )
    how, ending = followed
    elapsed = round(ending.at - started, 3)
    if how == "complete":
        return Measurement(
            NAME,
            Status.NONE,
            Unit.SECONDS,
            value=elapsed,
            precision=round(session.max_loop_lag + 0.001, 3),
            outcome="complete",
            detail=f"{path} completed its response after {elapsed:.2f} s without being cut; "
            "name a slower endpoint to see a deadline",
            attempts=1,
        )
    measured = await timeout_measurement(
        session, NAME, conn, started, ending, options.max_wait, what="the slow response"
    )
    if measured.status is not Status.MEASURED:
        return measured
    details = {
        "cut": "the response was cut mid-body",
        "closed": "closed without a response: Go closes when the handler returns, so the "
        "write deadline is at most this",
        "reset": "reset without a response",
        "503": "answered 503 (a handler deadline such as http.TimeoutHandler)",
    }
    return measured.with_fields(outcome=how, detail=details.get(how, ""))
