"""Largest request header accepted (Go: MaxHeaderBytes): bisect for the size that draws 431.

Go reads at most MaxHeaderBytes + 4096 bytes of request head (a bufio allowance on top of the
setting), so the largest accepted head implies a setting 4096 bytes smaller. The padding is
spread over lines of a few KiB and under 200 lines, within per-line limits of common proxies and
Go's default cap of 500 header values. The whole head counts: request line, Host, padding.
"""

from __future__ import annotations

from gotriage.probe.conn import Session
from gotriage.probe.model import Measurement, ProbeOptions, Status
from gotriage.probe.sizes import accepted, search, size_measurement

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
    head = request_head(session, size)
    return await accepted(
        session,
        "GET",
        session.target.path,
        lambda conn: conn.send(head),
        accepts=lambda status: status not in REFUSED,
        within=ATTEMPT_TIMEOUT,
        what=f"a {size}-byte request head",
    )


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    async def try_size(size: int) -> bool | str:
        return await attempt(session, size)

    smallest = len(request_head(session, 0))
    result = await search(try_size, start=START, cap=options.max_header, absolute=PRECISION)
    measured = size_measurement(
        NAME,
        result,
        smallest=smallest,
        refused_all=f"even a {smallest}-byte GET {session.target.path} was refused",
        capped=f"accepted a {result.lo}-byte request head (--max-header caps the search)",
    )
    if measured.status is not Status.MEASURED:
        return measured
    return measured.with_fields(implied_setting=max(0, result.lo - GO_SLACK))
