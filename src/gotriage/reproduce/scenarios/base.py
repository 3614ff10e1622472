"""What every scenario shares: its documented parameters, its context, its counters.

A scenario module has ``NAME``, ``SUMMARY`` (one line for ``--help`` and the README),
``FIX`` (its key in :mod:`gotriage.knowledge.reproduce_fixes`), ``PARAMETERS`` and
``async def run(ctx: Context) -> None``, which works until ``ctx.over`` is set (the end of the
scenario phase) and then returns, leaving its connections open and silent in ``ctx.pool``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from gotriage.probe.target import Target
from gotriage.reproduce.connections import Held, Pool
from gotriage.units import parse_duration, parse_size

CONNECT_CONCURRENCY = 100  # connections being opened at once while a scenario ramps up


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    kind: str  # "count", "rate", "duration", "size", "path", "choice"
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    connections: bool = False  # this count is how many connections the scenario holds

    def parse(self, value: object) -> Any:
        """The value from TOML or the command line; ValueError says what is wrong."""
        if self.kind in ("count", "rate"):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError(f"{self.name} must be a number")
            try:
                number = float(value)
                if self.kind == "count":
                    number = int(value) if not isinstance(value, float) else int(number)
            except (ValueError, OverflowError):
                raise ValueError(f"{self.name} must be a number, not {value!r}") from None
            if not 0 < number <= 1_000_000:
                raise ValueError(f"{self.name} must be more than 0 and at most 1,000,000")
            return number
        if self.kind == "duration":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                seconds = float(value)
                if seconds != seconds:
                    raise ValueError(f"{self.name} must be a duration such as 5s")
            elif isinstance(value, str):
                seconds = parse_duration(value)
            else:
                raise ValueError(f"{self.name} must be a duration such as 5s")
            if seconds < 0 or seconds > 600:
                raise ValueError(f"{self.name} must be between 0 and 10m")
            return seconds
        if self.kind == "size":
            if isinstance(value, float):
                raise ValueError(f"{self.name} must be a whole size such as 16KiB")
            size = value if isinstance(value, int) else parse_size(str(value))
            if isinstance(size, bool) or not 0 < size <= 64 << 20:
                raise ValueError(f"{self.name} must be between 1 B and 64 MiB")
            return size
        if self.kind == "path":
            if not isinstance(value, str) or not value.startswith("/"):
                raise ValueError(f"{self.name} must be a path starting with '/'")
            if any(c in value for c in " \r\n"):
                raise ValueError(f"{self.name} must not contain spaces or line breaks")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}")
            return value
        raise AssertionError(self.kind)


@dataclass
class Stats:
    """What a scenario did, as the client saw it."""

    connections: int = 0
    connect_failed: int = 0
    requests: int = 0  # requests (or attempts) sent
    logical: int = 0  # header-oversize: requests before retries
    retries: int = 0
    resets: int = 0
    bytes_sent: int = 0
    answers: dict[str, int] = field(default_factory=dict)  # status -> count; "none": closed
    open_at_scenario_end: int = 0
    open_at_end: int = 0
    closed_by_server: int = 0
    closed_median_seconds: float | None = None

    def answer(self, status: int) -> None:
        key = str(status) if status else "none"
        self.answers[key] = self.answers.get(key, 0) + 1


@dataclass
class Context:
    target: Target
    params: dict[str, Any]
    pool: Pool
    rng: random.Random
    over: asyncio.Event
    stats: Stats = field(default_factory=Stats)

    def request_head(self, method: str, path: str, *extra: str) -> str:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.target.host_header}"]
        lines.append("User-Agent: gotriage-reproduce")
        return "\r\n".join([*lines, *extra]) + "\r\n"

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds`` or until the scenario phase ends; True when it has ended."""
        if seconds <= 0:
            return self.over.is_set()
        try:
            await asyncio.wait_for(self.over.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def open(self, small_receive_buffer: bool = False) -> Held | None:
        conn = await self.pool.connect(small_receive_buffer=small_receive_buffer)
        if conn is None:
            self.stats.connect_failed += 1
        else:
            self.stats.connections += 1
        return conn

    def send(self, conn: Held, data: bytes) -> bool:
        if conn.send(data):
            self.stats.bytes_sent += len(data)
            return True
        return False


async def ramp(
    ctx: Context, count: int, setup: Callable[[Held], Awaitable[None]], **kw: Any
) -> None:
    """Open ``count`` connections, at most CONNECT_CONCURRENCY at a time, each set up at once."""
    slots = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one() -> None:
        async with slots:
            if ctx.over.is_set():
                return
            conn = await ctx.open(**kw)
            if conn is not None:
                await setup(conn)

    await asyncio.gather(*(one() for _ in range(count)))


async def trickle(ctx: Context, interval: float, next_bytes: Callable[[], bytes]) -> None:
    """Every ``interval`` until the phase ends, send ``next_bytes()`` on each open connection."""
    if interval <= 0:
        return
    while not await ctx.pause(interval):
        data = next_bytes()
        for conn in list(ctx.pool.held):
            if conn.open:
                ctx.send(conn, data)


async def at_rate(
    ctx: Context, rate: float, action: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    """Start ``action`` ``rate`` times a second until the phase ends (bounded in flight)."""
    loop = asyncio.get_running_loop()
    in_flight: set[asyncio.Task[None]] = set()
    limit = max(10, int(rate * 5))
    start = loop.time()
    index = 0
    try:
        while not ctx.over.is_set():
            due = start + index / rate
            if await ctx.pause(due - loop.time()):
                break
            index += 1
            if len(in_flight) >= limit:
                continue  # the server is not keeping up; skip rather than pile up
            task = asyncio.create_task(action())
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=2.0)
    finally:
        for task in in_flight:
            task.cancel()


async def answered(conn: Held, timeout: float) -> int:
    """The status of the answer to what was just sent (0: none within ``timeout``)."""
    future = conn.expect_answer()
    try:
        return await asyncio.wait_for(asyncio.shield(future), timeout)
    except TimeoutError:
        return 0


async def ended(conn: Held, timeout: float) -> None:
    if conn.ended is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(conn.ended), timeout)
