"""Body timeout (Go: ReadTimeout): complete headers announcing a body, then a trickled body.

Go's ReadTimeout is one deadline for the whole request, set when reading starts, so the time
from connecting to the server giving up is the setting. ReadHeaderTimeout alone leaves the body
without a deadline. Needs ``--body-path``: an endpoint that reads its request body.
"""

from __future__ import annotations

from gotriage.probe.common import error, skipped, timeout_measurement
from gotriage.probe.conn import Answer, Session
from gotriage.probe.header_timeout import slow_request
from gotriage.probe.model import Measurement, ProbeOptions, Unit

NAME = "body-timeout"
ANNOUNCED_LENGTH = 1 << 20


async def measure(session: Session, options: ProbeOptions) -> Measurement:
    if not options.body_path:
        return skipped(NAME, Unit.SECONDS, "--body-path", "needs an endpoint that reads a body")
    path = options.body_path
    head = session.post_head(path, ANNOUNCED_LENGTH)
    done = await slow_request(session, "POST", path, head, options.max_wait)
    if isinstance(done, str):
        return error(NAME, Unit.SECONDS, done)
    conn, ending = done
    started = conn.opened_at
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
