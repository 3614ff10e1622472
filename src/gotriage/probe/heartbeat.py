"""Evidence that the server was answering while the measurements ran.

A server that stopped accepting or answering looks, from the outside, like one with no timeouts:
a slow connection waits in the kernel's accept queue and nobody closes it, a stalled reader is
never cut. So while the measurements run, a plain complete GET of the URL goes out every
``PERIOD`` seconds on a fresh connection (a few at most in flight), and each answered one is
recorded in ``session.answered``. A measurement is conclusive only if a request sent after it
started was answered in the last second before it ended, or after it (a slow URL is answered
late; one queued behind the probe's own slow connections is answered once they are released).
"""

from __future__ import annotations

import asyncio

from gotriage.probe.common import background, stop
from gotriage.probe.conn import Session, monotonic
from gotriage.probe.idle_timeout import plain_get

PERIOD = 0.5
IN_FLIGHT = 3
# an answer this long before a measurement ended, or any time after, shows the server was still
# answering at its end
RECENT = 1.0


async def run(session: Session) -> None:
    """Send heartbeats until cancelled (the runner stops it with the measurements)."""
    flying: set[asyncio.Task[object]] = set()
    try:
        while True:
            if len(flying) < IN_FLIGHT:
                task = background(plain_get(session, session.remaining(60.0)))
                flying.add(task)
                task.add_done_callback(flying.discard)
            await asyncio.sleep(PERIOD)
    finally:
        for task in list(flying):
            await stop(task)


def answered_during(session: Session, start: float, end: float) -> bool:
    """Whether a request sent at or after ``start`` was answered ``RECENT`` s before ``end``
    or later: the server was still answering when the measurement ended."""
    return any(sent >= start and at >= end - RECENT for sent, at in session.answered)


async def wait_for_answer(session: Session, start: float, end: float, until: float) -> None:
    """Wait, at most until the monotonic ``until``, for what :func:`answered_during` needs;
    the heartbeat must still be running."""
    while monotonic() < until and not answered_during(session, start, end):
        await asyncio.sleep(0.05)
