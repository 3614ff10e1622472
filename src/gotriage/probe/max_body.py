"""Largest request body accepted (Go: http.MaxBytesReader / http.MaxBytesHandler).

POST growing bodies to ``--body-path`` until the server answers 413 (or another error status)
or cuts the connection, up to ``--max-body``; then bisect to within 10%. Go's MaxBytesReader
lets the handler read ``n`` bytes and fails the read after, so ``n`` is accepted and ``n + 1`` not.
"""

from __future__ import annotations

import asyncio

from gotriage.probe.common import background, skipped
from gotriage.probe.conn import Connection, Session
from gotriage.probe.model import Measurement, ProbeOptions, Unit
from gotriage.probe.sizes import SearchResult, accepted, search, size_measurement

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
    head = session.post_head(path, size)
    return await accepted(
        session,
        "POST",
        path,
        lambda conn: send_body(conn, head, size),
        accepts=lambda status: status < 400,
        within=ATTEMPT_TIMEOUT,
        what=f"a {size}-byte body",
    )


async def body_limit(session: Session, options: ProbeOptions) -> SearchResult:
    """The search for the largest body ``--body-path`` accepts, run once per probe whichever
    measurement asks first (body-timeout needs it to announce a body the server will read)."""
    task = session.shared.get(NAME)
    if task is None:
        path = options.body_path

        async def try_size(size: int) -> bool | str:
            return await attempt(session, path, size)

        task = background(
            search(
                try_size,
                start=min(START, options.max_body),
                cap=options.max_body,
                relative=RELATIVE_PRECISION,
            )
        )
        session.shared[NAME] = task
    result: SearchResult = await asyncio.shield(task)
    return result


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    if not options.body_path:
        return skipped(NAME, Unit.BYTES, "--body-path", "needs an endpoint that reads a body")
    path = options.body_path
    result = await body_limit(session, options)
    return size_measurement(
        NAME,
        result,
        smallest=1,
        refused_all=f"POST {path} refused even a 1-byte body",
        capped=f"POST {path} accepted a {result.lo}-byte body (--max-body caps the search)",
    )
