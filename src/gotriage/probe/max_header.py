"""Largest request header accepted (Go: MaxHeaderBytes), and a per-line limit if there is one.

Two searches. First the longest single header line accepted, up to 64 KiB: Go has no per-line
limit (one line may fill the whole allowance), but proxies do (nginx's
``large_client_header_buffers 6 3k`` refuses any line over 3 KiB). Then the largest whole head,
its padding spread over lines no longer than the first search allowed (4000 bytes at most, under
200 lines when they fit). Go reads at most MaxHeaderBytes + 4096 bytes of request head (a bufio
allowance on top of the setting), so when the server looks like Go (a 431 refusal without a
Server header, no per-line limit) the largest accepted head implies a setting 4096 bytes
smaller; that is stated only when it is positive. The whole head counts: request line, Host,
padding.
"""

from __future__ import annotations

from gotriage.probe.common import error
from gotriage.probe.conn import Answer, Session
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit
from gotriage.probe.sizes import SearchResult, accepted, search, size_measurement
from gotriage.units import format_size

NAME = "max-header"
GO_SLACK = 4096
START = 4 << 10
PRECISION = 1 << 10
LINE_CAP = 64 << 10
LINE_PRECISION = 256
LINE_SIZE = 4000
MAX_LINES = 190
REFUSED = {400, 413, 431, 494}
ATTEMPT_TIMEOUT = 10.0


def _pad_line(index: int, size: int) -> bytes:
    prefix = f"X-Gotriage-Pad-{index:03d}: ".encode()
    return prefix + b"a" * max(1, size - len(prefix) - 2) + b"\r\n"


def request_head(session: Session, size: int, longest_line: int | None = None) -> bytes:
    """A complete GET head of exactly ``size`` bytes (or the smallest possible one), its
    padding in lines of 4000 bytes, longer when that keeps them under 200 lines, never over
    ``longest_line`` bytes (then there are as many lines as it takes)."""
    head = session.request_head("GET", session.target.path)
    room = size - len(head) - 2
    line_size = max(LINE_SIZE, -(-room // MAX_LINES))
    if longest_line is not None:
        line_size = min(line_size, longest_line)
    lines: list[bytes] = []
    index = 0
    while room > 0:
        take = min(line_size, room)
        if take < len(_pad_line(index, 0)) + 1:
            # too short for its own line: lengthen the previous one
            if lines:
                lines[-1] = lines[-1][:-2] + b"a" * take + b"\r\n"
            break
        lines.append(_pad_line(index, take))
        room -= take
        index += 1
    return head + b"".join(lines) + b"\r\n"


def one_line_head(session: Session, line: int) -> bytes:
    """A complete GET head whose padding is one header line of ``line`` bytes (CRLF included)."""
    return session.request_head("GET", session.target.path) + _pad_line(0, line) + b"\r\n"


class _Refusals:
    """What the refusals looked like, to tell whether the server is Go's net/http."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []

    def seen(self, answer: Answer) -> None:
        if answer.status in REFUSED:
            self.answers.append(answer)

    def look_like_go(self) -> bool:
        return bool(self.answers) and all(a.status == 431 and not a.server for a in self.answers)


async def _attempt(session: Session, head: bytes, refusals: _Refusals) -> bool | str:
    return await accepted(
        session,
        "GET",
        session.target.path,
        lambda conn: conn.send(head),
        accepts=lambda status: status not in REFUSED,
        within=ATTEMPT_TIMEOUT,
        what=f"a {len(head)}-byte request head",
        seen=refusals.seen,
    )


async def attempt(session: Session, size: int) -> bool | str:
    return await _attempt(session, request_head(session, size), _Refusals())


async def _line_search(session: Session, options: ProbeOptions) -> SearchResult:
    async def try_line(line: int) -> bool | str:
        return await _attempt(session, one_line_head(session, line), _Refusals())

    cap = min(LINE_CAP, options.max_header)
    return await search(try_line, start=min(START, cap), cap=cap, absolute=LINE_PRECISION)


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    lines = await _line_search(session, options)
    if lines.error:
        return error(NAME, Unit.BYTES, lines.error, lines.attempts)
    # a per-line limit, if the longest line was refused below the cap
    longest = lines.lo if lines.hi is not None and lines.lo else None
    refusals = _Refusals()

    async def try_size(size: int) -> bool | str:
        return await _attempt(session, request_head(session, size, longest), refusals)

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
        return measured.with_fields(attempts=measured.attempts + lines.attempts)
    notes = [measured.detail]
    # a line limit only when a head of several lines can be clearly larger than the longest
    # line (both searches stop short of the limit by up to their precision)
    one_line = len(one_line_head(session, lines.lo))
    per_line = lines.hi is not None and result.lo > one_line + PRECISION + LINE_PRECISION
    fields: dict[str, object] = {"attempts": measured.attempts + lines.attempts}
    if per_line and lines.hi is not None:
        fields.update(line_limit=lines.lo, line_precision=lines.hi - lines.lo)
        notes.append(
            f"each header line must fit a per-line limit: a {format_size(lines.lo)} line "
            f"was accepted, a {format_size(lines.hi)} one refused (a proxy's limit, such as "
            "nginx's large_client_header_buffers; Go has none)"
        )
    elif lines.hi is None:
        notes.append(f"no per-line limit up to {format_size(lines.lo)}")
    implied = result.lo - GO_SLACK
    if not per_line and refusals.look_like_go() and implied > 0:
        fields["implied_setting"] = implied
    elif not refusals.look_like_go():
        notes.append(
            "the refusals do not look like Go's net/http (431 without a Server header), "
            "so no MaxHeaderBytes is implied"
        )
    return measured.with_fields(detail="; ".join(notes), **fields)
