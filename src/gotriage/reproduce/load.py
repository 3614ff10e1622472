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
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

from gotriage.errors import InputError
from gotriage.probe.target import Target
from gotriage.reproduce.connections import tls_arguments
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


async def measure(
    target: Target, *, rate: float, seconds: float, connections: int, grace: float = 2.0
) -> tuple[Tally, float]:
    """The load alone for ``seconds``: (its tally, the seconds it ran). Requests in flight at
    the end get ``grace`` seconds, or the slowest (due in a stall the end cut) would be lost."""
    engine = LoadEngine(
        target,
        rate=rate,
        path=target.path,
        connections=connections,
        timeout=10.0,
        phase_of=lambda _at: "all",
    )
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1
    engine.start(start, start + seconds)
    await asyncio.sleep(seconds + 0.1)
    elapsed = loop.time() - start
    await engine.finish(grace)
    return engine.phases.get("all") or Tally(), elapsed


class _LoadProtocol(asyncio.Protocol):
    """One keep-alive connection that sends the next due request as soon as an answer ends.

    Driven by callbacks alone (no task per request): an answer records its latency and asks
    the engine for the next request, which is written at once or at its due time."""

    def __init__(self, engine: LoadEngine) -> None:
        self.engine = engine
        self.transport: asyncio.Transport | None = None
        self.framer = ResponseFramer()
        self.due: float | None = None  # the request in flight (or waiting for its time)
        self.sent_at = 0.0
        self.closed = False  # no more requests on this connection
        self.ended = False
        self.timed_out = False
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.engine.next_request(self)

    def data_received(self, data: bytes) -> None:
        try:
            responses = self.framer.feed(data)
        except InputError:
            self._end("invalid")
            return
        for response in responses:
            if not response.keep_alive:
                self.closed = True  # the next request goes out on a new connection
            self.engine.answered(self, response.status)
            if self.closed:
                self._end(None)
                return

    def eof_received(self) -> bool | None:
        last = self.framer.close()
        if last is not None:
            self.engine.answered(self, last.status)
        self._end("closed")
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._end("timeout" if self.timed_out else ("reset" if exc else "closed"))

    def _end(self, kind: str | None) -> None:
        """The connection is done; a request in flight fails as ``kind``."""
        if self.ended:
            return
        self.ended = self.closed = True
        if self.due is not None and self.sent_at:
            self.engine.failed(self, kind or "closed")
        if self.transport is not None:
            self.transport.abort()
        if not self.lost.done():
            self.lost.set_result(None)


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
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.target = target
        self.ssl_context = ssl_context  # https: the load speaks HTTP/1.1 inside TLS
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
        self._current: dict[str, Tally] = {}  # this second's figures, by phase
        self.sent = 0
        self._next = 0
        self._interval = 1.0 / rate
        self._start = 0.0
        self._end = 0.0
        self._protocols: set[_LoadProtocol] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._watchdog: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle = asyncio.Event()

    def start(self, at: float, until: float) -> None:
        """Schedule requests from loop time ``at`` to ``until``."""
        self._loop = asyncio.get_running_loop()
        self._start, self._end = at, until
        self._tasks = [asyncio.create_task(self._slot()) for _ in range(self.connections)]
        self._watchdog = asyncio.create_task(self._watch())

    def take_second(self) -> Tally:
        """What completed since the last call (for the timeline); folded into the phases."""
        second = Tally()
        for phase, tally in self._current.items():
            second.merge(tally)
            self.phases.setdefault(phase, Tally()).merge(tally)
        self._current = {}
        return second

    def due(self, now: float) -> int:
        """Requests due by loop time ``now``."""
        if now <= self._start:
            return 0
        return int((min(now, self._end) - self._start) * self.rate)

    # The request cycle, all in callbacks.

    def next_request(self, protocol: _LoadProtocol) -> None:
        assert self._loop is not None
        due = self._start + self._next * self._interval
        if due >= self._end or protocol.closed:
            protocol.due = None
            self._check_idle()
            return
        self._next += 1
        protocol.due, protocol.sent_at = due, 0.0
        if due > self._loop.time():
            self._loop.call_at(due, self._send, protocol)
        else:
            self._send(protocol)

    def _send(self, protocol: _LoadProtocol) -> None:
        assert self._loop is not None and protocol.due is not None
        if protocol.closed or protocol.transport is None:
            return
        if protocol.due >= self._end:  # finish() came first
            protocol.due = None
            self._check_idle()
            return
        protocol.sent_at = self._loop.time()
        protocol.transport.write(self.request)
        self.sent += 1

    def answered(self, protocol: _LoadProtocol, status: int) -> None:
        assert self._loop is not None
        due = protocol.due
        if due is None:
            return
        protocol.due = None
        micros = int((self._loop.time() - due) * 1_000_000)
        tally = self._tally(due)
        if status < 400:
            tally.ok += 1
            tally.histogram.record_value(min(max(micros, LOWEST_US), HIGHEST_US))
        else:
            tally.error(f"status {status}")
        self.next_request(protocol)

    def failed(self, protocol: _LoadProtocol, kind: str) -> None:
        if protocol.due is not None:
            self._tally(protocol.due).error(kind)
            protocol.due = None
        self._check_idle()

    def _tally(self, due: float) -> Tally:
        phase = self.phase_of(due)
        tally = self._current.get(phase)
        if tally is None:
            tally = self._current[phase] = Tally()
        return tally

    def _check_idle(self) -> None:
        if all(p.due is None or p.closed for p in self._protocols):
            self._idle.set()

    async def _slot(self) -> None:
        """Keep one connection open until the end; a failed connect fails the next request."""
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.target.address else socket.AF_INET
        while True:
            due = self._start + self._next * self._interval
            if due >= self._end:
                return
            try:
                _, protocol = await asyncio.wait_for(
                    loop.create_connection(
                        lambda: _LoadProtocol(self),
                        self.target.address,
                        self.target.port,
                        family=family,
                        **tls_arguments(self.target, self.ssl_context),
                    ),
                    CONNECT_TIMEOUT,
                )
            except (OSError, TimeoutError):
                self._next += 1
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                self._tally(due).error("connect")
                continue
            self._protocols.add(protocol)
            await protocol.lost
            self._protocols.discard(protocol)

    async def finish(self, grace: float) -> None:
        """Schedule nothing more; give requests already due ``grace`` seconds, then abort them.

        A request that was due but never answered counts as an ``unfinished`` error."""
        loop = asyncio.get_running_loop()
        self._end = max(self._start, min(self._end, loop.time()))
        self._idle.clear()
        self._check_idle()
        if grace > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), grace)
        for protocol in list(self._protocols):
            protocol.due = None  # what is still in flight is counted as unfinished below
        self.close()
        for task in self._tasks:
            task.cancel()
        waiting = [*self._tasks, *([self._watchdog] if self._watchdog is not None else [])]
        for one in waiting:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await one
        self.take_second()
        recorded = sum(t.completed for t in self.phases.values())
        due = self.due(self._end)
        if due > recorded:
            tally = self.phases.setdefault(self.phase_of(self._end), Tally())
            tally.errors["unfinished"] = tally.errors.get("unfinished", 0) + due - recorded

    def close(self) -> None:
        """Abort every connection; safe to call more than once."""
        for protocol in list(self._protocols):
            protocol.due = None
            protocol._end(None)
        for task in self._tasks:
            task.cancel()
        if self._watchdog is not None:
            self._watchdog.cancel()

    async def _watch(self) -> None:
        """Abort requests that have waited longer than the timeout (one timer for all)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(0.5, self.timeout / 4))
            limit = loop.time() - self.timeout
            for protocol in list(self._protocols):
                if protocol.due is not None and protocol.sent_at and protocol.sent_at < limit:
                    protocol.timed_out = True
                    if protocol.transport is not None:
                        protocol.transport.abort()
