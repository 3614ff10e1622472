"""Run the selected measurements concurrently against one target, under one deadline.

Everything is bounded: each measurement stops by itself at ``--max-wait`` (a timing wait) or
within a short grace after it (size searches, connection ramps); the whole run, from the first
plain GET to the final liveness check, ends within ``max_wait + GRACE``; every socket the probe
opened is closed at the end whatever happened. A heartbeat runs beside the measurements, and a
measurement during which the server stopped answering is marked inconclusive.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import h11

from gotriage import limits
from gotriage.errors import FetchError, UsageError
from gotriage.probe import (
    body_timeout,
    connections,
    header_timeout,
    heartbeat,
    idle_timeout,
    max_body,
    max_header,
    stalled_reader,
    write_timeout,
)
from gotriage.probe.common import background, bounded, connect, error, stop
from gotriage.probe.conn import (
    Answer,
    Connection,
    PeerClosed,
    Session,
    is_tls_record,
    monotonic,
)
from gotriage.probe.model import Measurement, ProbeOptions, ProbeReport, Requirement, Status
from gotriage.probe.requirements import UNITS, check
from gotriage.probe.target import Target, resolve, ssl_context
from gotriage.probe.verdicts import ORDER, assess

GRACE = 5.0
REACHABLE_TIMEOUT = 10.0
FINAL_CHECK = 1.0  # kept at the end of the run for the liveness check

Measure = Callable[[Session, ProbeOptions], Coroutine[Any, Any, Measurement]]
MEASUREMENTS: dict[str, Measure] = {
    header_timeout.NAME: header_timeout.measure,
    body_timeout.NAME: body_timeout.measure,
    idle_timeout.NAME: idle_timeout.measure,
    write_timeout.NAME: write_timeout.measure,
    stalled_reader.NAME: stalled_reader.measure,
    max_header.NAME: max_header.measure,
    max_body.NAME: max_body.measure,
    connections.NAME: connections.measure,
}
assert tuple(MEASUREMENTS) == ORDER


def select(only: Sequence[str]) -> tuple[str, ...]:
    unknown = [name for name in only if name not in MEASUREMENTS]
    if unknown:
        raise UsageError(
            f"--only: unknown measurement {', '.join(unknown)} (one of {', '.join(ORDER)})"
        )
    return tuple(name for name in ORDER if not only or name in only)


async def probe(
    options: ProbeOptions,
    *,
    confirm_owned: bool = False,
    requirements: Sequence[Requirement] = (),
    on_done: Callable[[str], None] | None = None,
) -> ProbeReport:
    """Probe ``options.url``; FetchError when it cannot be reached at all."""
    names = select(options.only)
    for req in requirements:
        if req.name not in names:
            raise UsageError(f"--require {req.text!r}: --only leaves out {req.name}")
    started = monotonic()
    target = resolve(options.url, confirm_owned=confirm_owned)
    target = await first_answering(target, started + options.max_wait + GRACE - FINAL_CHECK)
    return await probe_target(target, options, names, requirements, on_done, started)


def within_own_limits(options: ProbeOptions, names: Sequence[str]) -> tuple[ProbeOptions, str]:
    """``options`` with ``max_connections`` the probe's own file limit allows, and a note
    when that is fewer than asked for."""
    if connections.NAME not in names:
        return options, ""
    allowed, note = limits.allowed_connections(options.max_connections)
    return dataclasses.replace(options, max_connections=allowed), note


async def probe_target(
    target: Target,
    options: ProbeOptions,
    names: Sequence[str],
    requirements: Sequence[Requirement] = (),
    on_done: Callable[[str], None] | None = None,
    started: float | None = None,
) -> ProbeReport:
    """Probe ``target``, the run having started at the monotonic ``started`` (default: now)."""
    session = Session(target, ssl_context(target, insecure=options.insecure))
    started = monotonic() if started is None else started
    options, limit_note = within_own_limits(options, names)
    # one deadline for everything, the reachability check and the final liveness check included;
    # the measurements' own waits end at the cut, a second before it
    end = started + options.max_wait + GRACE
    cut = end - FINAL_CHECK
    session.deadline = cut
    await check_reachable(session, min(REACHABLE_TIMEOUT, cut - started))

    lag = background(session.watch_loop_lag())
    beat = background(heartbeat.run(session))
    measuring_from = monotonic()
    ended: dict[str, float] = {}
    tasks = {name: background(MEASUREMENTS[name](session, options)) for name in names}
    for name, task in tasks.items():
        task.add_done_callback(functools.partial(_finished, ended, on_done, name))
    try:
        async with asyncio.timeout(max(0.0, cut - monotonic())):
            await asyncio.wait(tasks.values())
            # a measurement with no answer yet may get one from a heartbeat still queued
            last = max(ended.values(), default=measuring_from)
            await heartbeat.wait_for_answer(session, measuring_from, last, cut)
    except TimeoutError:
        pass
    finally:
        for task in tasks.values():
            await stop(task)
        await stop(beat)
        await stop(lag)
        session.close_all()
        # let the transports run their close callbacks so their sockets are released now
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    session.deadline = end
    results = [
        _conclusive(_result(name, task, options), session, measuring_from, ended.get(name))
        for name, task in tasks.items()
    ]
    # only a failed measurement raises the question whether the target went away
    failed = (Status.ERROR, Status.INCONCLUSIVE)
    lost = any(m.status in failed for m in results) and not await session.alive()
    measurements = tuple(assess(m) for m in results)
    by_name = {m.name: m for m in measurements}
    checked = tuple(check(req, by_name.get(req.name)) for req in requirements)
    notes: tuple[str, ...] = (limit_note,) if limit_note else ()
    if lost:
        notes += ("the target stopped accepting connections during the probe",)
    elif any(m.status is Status.INCONCLUSIVE for m in results):
        notes += ("the target stopped answering requests during the probe",)
    return ProbeReport(
        target=target.url,
        address=target.endpoint,
        tls=target.tls,
        max_wait=options.max_wait,
        duration=round(monotonic() - started, 3),
        measurements=measurements,
        requirements=checked,
        target_lost=lost,
        notes=notes,
    )


def _conclusive(m: Measurement, session: Session, start: float, end: float | None) -> Measurement:
    """``m``, or ``m`` marked inconclusive when the server answered nothing while it ran."""
    if m.status not in (Status.MEASURED, Status.NONE):
        return m
    if end is not None and heartbeat.answered_during(session, start, end):
        return m
    seen = f" (seen: {m.detail})" if m.detail else ""
    return m.with_fields(
        status=Status.INCONCLUSIVE,
        detail="the server stopped answering while this was measured (no complete request "
        f"answered in its last second or after), so what was seen says nothing about its "
        f"settings{seen}",
    )


async def first_answering(target: Target, deadline: float = float("inf")) -> Target:
    """The target on the first of its addresses that accepts a connection (localhost may
    resolve to ::1 first while the server listens on 127.0.0.1 only), looking no later than
    the monotonic ``deadline``."""
    if not target.alternatives:
        return target
    for address in (target.address, *target.alternatives):
        candidate = dataclasses.replace(target, address=address, alternatives=())
        if await Session(candidate, None, deadline=deadline).alive():
            return candidate
    return target


def _finished(
    ended: dict[str, float], on_done: Callable[[str], None] | None, name: str, _task: object
) -> None:
    ended[name] = monotonic()
    if on_done is not None:
        on_done(name)


async def check_reachable(session: Session, within: float = REACHABLE_TIMEOUT) -> None:
    """One plain GET of the URL: FetchError unless the target answers it in HTTP/1.1 within
    ``within`` seconds."""
    url = session.target.url
    conn = await connect(session)
    if isinstance(conn, str):
        raise FetchError(f"{url}: {conn}")
    try:
        path = session.target.path
        conn.expect_response("GET", path)
        await conn.send(session.request_head("GET", path, "Connection: close\r\n\r\n"))
        ending = await bounded(conn.answer_or_close(), monotonic() + within)
        if isinstance(ending, Answer) and ending.status == 400 and not session.target.tls:
            # Go's TLS listener answers plain HTTP with a 400 naming HTTPS
            body = await bounded(_body_start(conn), monotonic() + 1.0)
            if body and b"HTTPS" in body:
                raise FetchError(f"{url}: the server speaks https; use https://")
    finally:
        conn.abort()
    if ending is None:
        raise FetchError(f"{url}: no answer to GET {path} within {within:.3g} s")
    if isinstance(ending, PeerClosed):
        if ending.kind == "invalid":
            tls_reply = not session.target.tls and is_tls_record(conn.first_bytes)
            hint = " (an https server probed with http://?)" if tls_reply else ""
            raise FetchError(f"{url}: the answer to GET {path} is not HTTP/1.1{hint}")
        raise FetchError(f"{url}: the connection was {ending.kind} without an answer to GET")


async def _body_start(conn: Connection, cap: int = 4096) -> bytes:
    data = b""
    while len(data) < cap:
        event = await conn.next_event()
        if isinstance(event, h11.Data):
            data += bytes(event.data)
        elif not isinstance(event, h11.Response):
            break
    return data


def _result(name: str, task: asyncio.Task[Measurement], options: ProbeOptions) -> Measurement:
    unit = UNITS[name]
    if task.cancelled() or not task.done():
        return error(
            name,
            unit,
            f"did not finish within {options.max_wait + GRACE:g} s (--max-wait + {GRACE:g} s)",
        )
    exc = task.exception()
    if exc is not None:
        return error(name, unit, f"probe failure: {type(exc).__name__}: {exc}")
    return task.result()


__all__ = ["MEASUREMENTS", "ORDER", "probe", "probe_target", "select"]
