"""The background load: normal requests at a constant rate, latency from each scheduled send.

Request ``i`` is due at ``start + i / rate``. A fixed set of keep-alive connections takes the
next due request as soon as it is free, sends it at its time (or at once when it is late), and
records the latency from the time it was *due*, as wrk2 does: a server that stalls for a second
then delays every request due in that second, and they all count, instead of the one request a
closed-loop client would have had in flight (coordinated omission). Latencies go into HDR
histograms (microseconds, 3 significant digits): one per phase, and one per second for the
timeline. A request without an answer within ``timeout`` is aborted and counted as an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from gotriage.errors import InputError
from gotriage.probe.target import Target
from gotriage.reproduce.responses import ResponseFramer

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # an hour: nothing a run can measure is longer
DIGITS = 3
CONNECT_TIMEOUT = 5.0


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


@dataclass
class Tally:
    """Normal requests of one phase or one second: latencies and outcomes."""

    histogram: HdrHistogram = field(default_factory=new_histogram)
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # kind -> count

    @property
    def completed(self) -> int:
        return self.ok + sum(self.errors.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def merge(self, other: Tally) -> None:
        self.histogram.add(other.histogram)
        self.ok += other.ok
        for kind, n in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + n


class _Closed(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


class _LoadProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.framer = ResponseFramer()
        self.waiter: asyncio.Future[int] | None = None
        self.sent_at = 0.0
        self.closed = False
        self.timed_out = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            responses = self.framer.feed(data)
        except InputError:
            self._fail("invalid")
            if self.transport is not None:
                self.transport.abort()
            return
        for response in responses:
            waiter, self.waiter = self.waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result(response.status)
            if not response.keep_alive and self.transport is not None:
                self.transport.close()

    def eof_received(self) -> bool | None:
        last = self.framer.close()
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            if last is not None:
                waiter.set_result(last.status)
            else:
                waiter.set_exception(_Closed("closed"))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail("timeout" if self.timed_out else ("reset" if exc else "closed"))

    def _fail(self, kind: str) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(_Closed(kind))


class LoadEngine:
    """Constant-rate requests of ``request`` bytes to ``target`` over ``connections`` sockets."""

    def __init__(
        self,
        target: Target,
        *,
        rate: float,
        path: str,
        connections: int,
        timeout: float,
        phase_of: Callable[[float], str],
    ) -> None:
        self.target = target
        self.rate = rate
        self.connections = connections
        self.timeout = timeout
        self.phase_of = phase_of  # scheduled loop time -> phase name
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {target.host_header}\r\n"
            "User-Agent: gotriage-reproduce\r\n\r\n"
        ).encode()
        self.phases: dict[str, Tally] = {}
        self.second = Tally()
        self.sent = 0
        self._next = 0
        self._start = 0.0
        self._end = 0.0
        self._stopping = False
        self._protocols: set[_LoadProtocol] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._watchdog: asyncio.Task[None] | None = None

    def start(self, at: float, until: float) -> None:
        """Schedule requests from loop time ``at`` to ``until``."""
        self._start, self._end = at, until
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.connections)]
        self._watchdog = asyncio.create_task(self._watch())

    def take_second(self) -> Tally:
        """What completed since the last call (for the timeline)."""
        tally, self.second = self.second, Tally()
        return tally

    def due(self, now: float) -> int:
        """Requests due by loop time ``now``."""
        if now <= self._start:
            return 0
        return int((min(now, self._end) - self._start) * self.rate)

    async def finish(self, grace: float) -> None:
        """Schedule nothing more; give requests already due ``grace`` seconds, then abort them.

        A request that was due but never answered counts as an ``unfinished`` error."""
        loop = asyncio.get_running_loop()
        self._end = max(self._start, min(self._end, loop.time()))
        pending = [t for t in self._tasks if not t.done()]
        if pending and grace > 0:
            await asyncio.wait(pending, timeout=grace)
        self.close()
        for task in self._tasks:
            if not task.done():
                task.cancel()
        waiting = [*self._tasks, *([self._watchdog] if self._watchdog is not None else [])]
        for one in waiting:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await one
        recorded = sum(t.completed for t in self.phases.values())
        due = self.due(self._end)
        if due > recorded:
            tally = self.phases.setdefault(self.phase_of(self._end), Tally())
            tally.errors["unfinished"] = tally.errors.get("unfinished", 0) + due - recorded

    def close(self) -> None:
        """Abort every connection; safe to call more than once."""
        self._stopping = True
        for protocol in list(self._protocols):
            if protocol.transport is not None:
                protocol.transport.abort()
        if self._watchdog is not None:
            self._watchdog.cancel()

    def _record(self, phase: str, kind: str, micros: int) -> None:
        tally = self.phases.get(phase)
        if tally is None:
            tally = self.phases[phase] = Tally()
        for t in (tally, self.second):
            if kind == "ok":
                t.ok += 1
                t.histogram.record_value(min(max(micros, LOWEST_US), HIGHEST_US))
            else:
                t.error(kind)

    async def _connect(self) -> _LoadProtocol | str:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.target.address else socket.AF_INET
        try:
            _, protocol = await asyncio.wait_for(
                loop.create_connection(
                    _LoadProtocol, self.target.address, self.target.port, family=family
                ),
                CONNECT_TIMEOUT,
            )
        except (OSError, TimeoutError):
            return "connect"
        self._protocols.add(protocol)
        return protocol

    async def _worker(self) -> None:
        loop = asyncio.get_running_loop()
        protocol: _LoadProtocol | None = None
        interval = 1.0 / self.rate
        try:
            while not self._stopping:
                index = self._next
                due = self._start + index * interval
                if due >= self._end:
                    return
                self._next += 1
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                    if self._stopping:
                        return
                phase = self.phase_of(due)
                if protocol is None or protocol.closed or protocol.transport is None:
                    if protocol is not None:
                        self._protocols.discard(protocol)
                    made = await self._connect()
                    if isinstance(made, str):
                        self._record(phase, made, 0)
                        protocol = None
                        continue
                    protocol = made
                waiter: asyncio.Future[int] = loop.create_future()
                protocol.waiter = waiter
                protocol.sent_at = loop.time()
                assert protocol.transport is not None
                protocol.transport.write(self.request)
                self.sent += 1
                try:
                    status = await waiter
                except _Closed as exc:
                    self._record(phase, exc.kind, 0)
                    protocol.transport.abort()
                    continue
                micros = int((loop.time() - due) * 1_000_000)
                self._record(phase, "ok" if status < 400 else f"status {status}", micros)
        finally:
            if protocol is not None and protocol.transport is not None:
                protocol.transport.abort()

    async def _watch(self) -> None:
        """Abort requests that have waited longer than the timeout (one timer for all)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(0.5, self.timeout / 4))
            limit = loop.time() - self.timeout
            for protocol in list(self._protocols):
                if protocol.closed:
                    self._protocols.discard(protocol)
                elif protocol.waiter is not None and protocol.sent_at < limit:
                    protocol.timed_out = True
                    if protocol.transport is not None:
                        protocol.transport.abort()
