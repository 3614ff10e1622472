"""Body timeout (Go: ReadTimeout): complete headers announcing a body, then a trickled body.

Go's ReadTimeout is one deadline for the whole request, set when reading starts, so the time
from connecting to the server giving up is the setting. ReadHeaderTimeout alone leaves the body
without a deadline. Needs ``--body-path``: an endpoint that reads its request body.
"""

from __future__ import annotations

from gotriage.probe.common import (
    background,
    bounded,
    connect,
    error,
    skipped,
    stop,
    timeout_measurement,
)
from gotriage.probe.conn import Answer, Session
from gotriage.probe.header_timeout import TRICKLE_BYTES, TRICKLE_INTERVAL, trickle
from gotriage.probe.model import Measurement, ProbeOptions, Unit

NAME = "body-timeout"
ANNOUNCED_LENGTH = 1 << 20


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    if not options.body_path:
        return skipped(NAME, Unit.SECONDS, "--body-path", "needs an endpoint that reads a body")
    conn = await connect(session)
    if isinstance(conn, str):
        return error(NAME, Unit.SECONDS, conn)
    sender = None
    try:
        started = conn.opened_at
        path = options.body_path
        conn.expect_response("POST", path, session.host_headers())
        head = session.request_head(
            "POST",
            path,
            f"Content-Type: application/octet-stream\r\nContent-Length: {ANNOUNCED_LENGTH}\r\n\r\n",
        )
        await conn.send(head)
        sender = background(trickle(conn, TRICKLE_BYTES, TRICKLE_INTERVAL))
        ending = await bounded(conn.answer_or_close(), started + options.max_wait)
    finally:
        await stop(sender)
        conn.abort()
    if isinstance(ending, Answer) and ending.status < 300:
        return error(
            NAME,
            Unit.SECONDS,
            f"{path} answered {ending.status} before the body was complete: --body-path must "
            "name an endpoint that reads the request body",
            attempts=1,
        )
    if isinstance(ending, Answer) and ending.status == 413:
        return error(
            NAME,
            Unit.SECONDS,
            f"{path} refused the slow body as too large (413) after "
            f"{ending.at - started:.2f} s; its body limit is below a few hundred bytes",
            attempts=1,
        )
    return await timeout_measurement(
        session, NAME, conn, started, ending, options.max_wait, what="the rest of the body"
    )
