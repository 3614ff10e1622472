"""Largest request body accepted (Go: http.MaxBytesReader / http.MaxBytesHandler).

POST growing bodies to ``--body-path`` until the server answers 413 (or another error status)
or cuts the connection, up to ``--max-body``; then bisect to within 10%. Go's MaxBytesReader
lets the handler read ``n`` bytes and fails the read after, so ``n`` is accepted and ``n + 1`` not.
"""

from __future__ import annotations

import asyncio

from gotriage.probe.common import background, bounded, connect, error, skipped, stop
from gotriage.probe.conn import Answer, Connection, PeerClosed, Session, monotonic
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit
from gotriage.probe.sizes import search

NAME = "max-body"
START = 16 << 10
RELATIVE_PRECISION = 0.10
CHUNK = b"\0" * (64 << 10)
ATTEMPT_TIMEOUT = 20.0


async def send_body(conn: Connection, head: bytes, size: int) -> None:
    if not await conn.send(head):
        return
    left = size
    while left > 0:
        piece = CHUNK if left >= len(CHUNK) else CHUNK[:left]
        if not await conn.send(piece):
            return
        left -= len(piece)
        await asyncio.sleep(0)


async def attempt(session: Session, path: str, size: int) -> bool | str:
    conn = await connect(session)
    if isinstance(conn, str):
        return conn
    sender = None
    try:
        conn.expect_response("POST", path, session.host_headers())
        head = session.request_head(
            "POST",
            path,
            f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n",
        )
        sender = background(send_body(conn, head, size))
        ending = await bounded(conn.answer_or_close(), monotonic() + ATTEMPT_TIMEOUT)
    finally:
        await stop(sender)
        conn.abort()
    if ending is None:
        return f"no answer to a {size}-byte body within {ATTEMPT_TIMEOUT:g} s"
    if isinstance(ending, Answer):
        return ending.status < 400
    if isinstance(ending, PeerClosed) and not await session.alive():
        return "the target stopped accepting connections during the measurement"
    return False


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    if not options.body_path:
        return skipped(NAME, Unit.BYTES, "--body-path", "needs an endpoint that reads a body")
    path = options.body_path

    async def try_size(size: int) -> bool | str:
        return await attempt(session, path, size)

    result = await search(
        try_size,
        start=min(START, options.max_body),
        cap=options.max_body,
        relative=RELATIVE_PRECISION,
    )
    if result.error:
        return error(NAME, Unit.BYTES, result.error, result.attempts)
    if result.hi is None:
        return Measurement(
            NAME,
            Status.NONE,
            Unit.BYTES,
            value=result.lo,
            outcome="accepted",
            detail=f"POST {path} accepted a {result.lo}-byte body (--max-body caps the search)",
            attempts=result.attempts,
        )
    if result.lo == 0:
        return error(NAME, Unit.BYTES, f"POST {path} refused even a 1-byte body", result.attempts)
    return Measurement(
        NAME,
        Status.MEASURED,
        Unit.BYTES,
        value=result.lo,
        precision=result.hi - result.lo,
        outcome="refused",
        detail=f"{result.hi} bytes refused",
        attempts=result.attempts,
    )
