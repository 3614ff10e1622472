"""Body timeout (Go: ReadTimeout): complete headers announcing a body, then a trickled body.

Go's ReadTimeout is one deadline for the whole request, set when reading starts, so the time
from connecting to the server giving up is the setting. ReadHeaderTimeout alone leaves the body
without a deadline. Needs ``--body-path``: an endpoint that reads its request body.

The body announced is 1 MiB, or, when the server refuses that at once as too large (413), the
largest body max-body found it accepts. A handler whose body read times out and that returns
without writing gets its response finished by the server: a 200 with Connection: close at the
deadline, which is the timeout firing, not an endpoint that ignores its body.
"""

from __future__ import annotations

from gotriage.probe import max_body
from gotriage.probe.common import error, skipped, timeout_measurement
from gotriage.probe.conn import Answer, Connection, PeerClosed, Session
from gotriage.probe.header_timeout import slow_request
from gotriage.probe.model import Measurement, ProbeOptions, Status, Unit

NAME = "body-timeout"
ANNOUNCED_LENGTH = 1 << 20
# an answer sooner than this after connecting is not a timeout: the body was not even waited for
PROMPT = 0.5


async def _trickled(
    session: Session, path: str, length: int, max_wait: float
) -> tuple[Connection, Answer | PeerClosed | None] | str:
    return await slow_request(session, "POST", path, session.post_head(path, length), max_wait)


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    if not options.body_path:
        return skipped(NAME, Unit.SECONDS, "--body-path", "needs an endpoint that reads a body")
    path = options.body_path
    announced = ANNOUNCED_LENGTH
    done = await _trickled(session, path, announced, options.max_wait)
    if isinstance(done, str):
        return error(NAME, Unit.SECONDS, done)
    conn, ending = done
    attempts = 1
    if isinstance(ending, Answer) and ending.status == 413:
        # the announced size is over the body limit: announce one the server will read
        limit = await max_body.body_limit(session, options)
        if limit.error or limit.lo < 1:
            why = limit.error or f"POST {path} refused even a 1-byte body"
            return error(
                NAME,
                Unit.SECONDS,
                f"{path} refused a {announced}-byte body as too large (413) and its body "
                f"limit could not be measured: {why}",
                attempts=1,
            )
        announced = min(announced, limit.lo)
        done = await _trickled(session, path, announced, options.max_wait)
        if isinstance(done, str):
            return error(NAME, Unit.SECONDS, done, attempts=1)
        conn, ending = done
        attempts = 2
    started = conn.opened_at
    note = f"announced a {announced}-byte body, under the body limit" if attempts == 2 else ""
    if isinstance(ending, Answer) and ending.status < 300:
        if ending.keep_alive or ending.at - started < PROMPT:
            return error(
                NAME,
                Unit.SECONDS,
                f"{path} answered {ending.status} before the body was complete: --body-path must "
                "name an endpoint that reads the request body",
                attempts=attempts,
            )
        # the read deadline fired; the handler returned without writing and the server
        # finished the response itself (Go does, and so does caddy's reverse_proxy)
        note = "; ".join(
            filter(
                None,
                [
                    note,
                    f"answered {ending.status} with Connection: close when the body read timed "
                    "out (the handler returned without writing and the server finished the "
                    "response)",
                ],
            )
        )
    elif isinstance(ending, Answer) and ending.status == 413:
        return error(
            NAME,
            Unit.SECONDS,
            f"{path} refused a {announced}-byte body as too large (413) after "
            f"{ending.at - started:.2f} s",
            attempts=attempts,
        )
    measured = await timeout_measurement(
        session, NAME, conn, started, ending, options.max_wait, what="the rest of the body"
    )
    measured = measured.with_fields(attempts=attempts)
    if note and measured.status is Status.MEASURED:
        return measured.with_fields(detail=note)
    if note and measured.status is Status.NONE:
        return measured.with_fields(detail=f"{measured.detail} ({note})")
    return measured
