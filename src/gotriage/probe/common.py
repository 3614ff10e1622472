"""What the measurements share: connecting, one bounded request, turning an ending into data."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import ssl
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from gotriage.probe.conn import Answer, Connection, PeerClosed, Session, monotonic
from gotriage.probe.model import Measurement, Status, Unit

T = TypeVar("T")


def error(name: str, unit: Unit, detail: str, attempts: int = 0) -> Measurement:
    return Measurement(name, Status.ERROR, unit, detail=detail, attempts=attempts)


def skipped(name: str, unit: Unit, flag: str, why: str) -> Measurement:
    return Measurement(name, Status.SKIPPED, unit, detail=why, enable_with=flag)


# How a connect failure that is the probe's own limit, not the server's, begins.
OWN_LIMIT = "the probe ran out of file descriptors"


def connect_failure(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        return f"{OWN_LIMIT} ({os.strerror(exc.errno).lower()}; raise it with ulimit -n)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message}); use --insecure"
    if isinstance(exc, TimeoutError):
        return "connecting timed out"
    if isinstance(exc, OSError) and exc.errno:
        return f"cannot connect: {os.strerror(exc.errno).lower()}"
    return f"cannot connect: {exc}"


async def connect(session: Session, **kwargs: Any) -> Connection | str:
    """A connection, or why there is none (one line)."""
    try:
        return await session.connect(**kwargs)
    except (OSError, TimeoutError) as exc:
        return connect_failure(exc)


async def bounded(awaitable: Awaitable[Any], deadline: float) -> Any:
    """``awaitable``'s result, or None when the monotonic ``deadline`` passes first."""
    try:
        async with asyncio.timeout(max(0.0, deadline - monotonic())):
            return await awaitable
    except TimeoutError:
        return None


async def stop(task: asyncio.Task[Any] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


def background(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    return asyncio.get_running_loop().create_task(coro)


async def exchange(
    session: Session,
    method: str,
    path: str,
    send: Callable[[Connection], Coroutine[Any, Any, object]],
    until: Callable[[Connection], Awaitable[T]],
    within: float,
) -> tuple[Connection, T | None] | str:
    """One request on a new connection: ``send(conn)`` writes it in the background while
    ``until(conn)`` reads, for at most ``within`` s after connecting (None: not done by then).

    The connection is closed before this returns; a string says why there was none.
    """
    conn = await connect(session)
    if isinstance(conn, str):
        return conn
    sender = None
    try:
        conn.expect_response(method, path)
        sender = background(send(conn))
        ending = await bounded(until(conn), conn.opened_at + within)
    finally:
        await stop(sender)
        conn.abort()
    return conn, ending


def describe(ending: Answer | PeerClosed) -> str:
    if isinstance(ending, Answer):
        return str(ending.status)
    return ending.kind


async def timeout_measurement(
    session: Session,
    name: str,
    conn: Connection,
    started: float,
    ending: Answer | PeerClosed | None,
    max_wait: float,
    *,
    what: str,
) -> Measurement:
    """A duration measurement from how and when a wait ended (None: it never did)."""
    precision = round(conn.connect_seconds + session.max_loop_lag + 0.001, 3)
    if ending is None:
        return Measurement(
            name,
            Status.NONE,
            Unit.SECONDS,
            value=max_wait,
            precision=precision,
            outcome="none",
            detail=f"the server still waited for {what} after {max_wait:g} s",
            attempts=1,
        )
    if isinstance(ending, PeerClosed) and not await session.alive():
        return error(
            name,
            Unit.SECONDS,
            "the target stopped accepting connections during the measurement "
            f"(connection {ending.kind} after {ending.at - started:.2f} s)",
            attempts=1,
        )
    if isinstance(ending, PeerClosed) and ending.kind == "invalid":
        return error(
            name,
            Unit.SECONDS,
            f"the server sent bytes that are not HTTP/1.1: {ending.detail}",
            attempts=1,
        )
    return Measurement(
        name,
        Status.MEASURED,
        Unit.SECONDS,
        value=round(ending.at - started, 3),
        precision=precision,
        outcome=describe(ending),
        attempts=1,
    )
