"""Largest request header accepted (Go: MaxHeaderBytes): bisect for the size that draws 431.

Go reads at most MaxHeaderBytes + 4096 bytes of request head (a bufio allowance on top of the
setting), so the largest accepted head implies a setting 4096 bytes smaller. The padding is
spread over lines of a few KiB and under 200 lines, within per-line limits of common proxies and
Go's default cap of 500 header values. The whole head counts: request line, Host, padding.
"""

from __future__ import annotations

from gotriage.probe.common import background, bounded, connect, error, stop
from gotriage.probe.conn import Answer, PeerClosed, Session, monotonic
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit
from gotriage.probe.sizes import search

NAME = "max-header"
GO_SLACK = 4096
START = 4 << 10
PRECISION = 1 << 10
REFUSED = {400, 413, 431, 494}
ATTEMPT_TIMEOUT = 10.0


def request_head(session: Session, size: int) -> bytes:
    """A complete GET head of exactly ``size`` bytes (or the smallest possible one)."""
    head = session.request_head("GET", session.target.path)
    room = size - len(head) - 2
    line_size = max(4000, -(-room // 190))
    lines: list[bytes] = []
    index = 0
    while room > 0:
        prefix = f"X-Gotriage-Pad-{index:03d}: ".encode()
        take = min(line_size, room)
        if take < len(prefix) + 3:
            # too short for its own line: lengthen the previous one
            if lines:
                lines[-1] = lines[-1][:-2] + b"a" * take + b"\r\n"
            break
        lines.append(prefix + b"a" * (take - len(prefix) - 2) + b"\r\n")
        room -= take
        index += 1
    return head + b"".join(lines) + b"\r\n"


async def attempt(session: Session, size: int) -> bool | str:
    conn = await connect(session)
    if isinstance(conn, str):
        return conn
    sender = None
    try:
        path = session.target.path
        conn.expect_response("GET", path, session.host_headers())
        sender = background(conn.send(request_head(session, size)))
        ending = await bounded(conn.answer_or_close(), monotonic() + ATTEMPT_TIMEOUT)
    finally:
        await stop(sender)
        conn.abort()
    if ending is None:
        return f"no answer to a {size}-byte request head within {ATTEMPT_TIMEOUT:g} s"
    if isinstance(ending, Answer):
        return ending.status not in REFUSED
    if isinstance(ending, PeerClosed) and not await session.alive():
        return "the target stopped accepting connections during the measurement"
    return False


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    async def try_size(size: int) -> bool | str:
        return await attempt(session, size)

    smallest = len(request_head(session, 0))
    result = await search(try_size, start=START, cap=options.max_header, absolute=PRECISION)
    if result.error:
        return error(NAME, Unit.BYTES, result.error, result.attempts)
    if result.lo == 0 or result.lo < smallest:
        return error(
            NAME,
            Unit.BYTES,
            f"even a {smallest}-byte GET {session.target.path} was refused",
            result.attempts,
        )
    if result.hi is None:
        return Measurement(
            NAME,
            Status.NONE,
            Unit.BYTES,
            value=result.lo,
            outcome="accepted",
            detail=f"accepted a {result.lo}-byte request head (--max-header caps the search)",
            attempts=result.attempts,
        )
    return Measurement(
        NAME,
        Status.MEASURED,
        Unit.BYTES,
        value=result.lo,
        precision=result.hi - result.lo,
        outcome="refused",
        detail=f"{result.hi} bytes refused",
        attempts=result.attempts,
        implied_setting=max(0, result.lo - GO_SLACK),
    )
