"""One run against one server: the three phases, the background load, the scenarios, and a
sample of the server every second.

Phases are fixed in time from the start: baseline (load only), scenario (load and scenarios),
recovery (load only; the scenarios' connections stay open and silent). The last sample is taken
at the end of recovery and only then are the scenario connections closed. Everything is bounded
(phases, connects, every fetch), every socket is closed at the end whatever happens, and
``stop`` (Ctrl-C) ends the run at once with what was measured so far.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gotriage import limits
from gotriage.cpu import sources as cpu_sources
from gotriage.cpu.categorise import categorise
from gotriage.errors import FetchError, InputError, UsageError
from gotriage.goroutines.suspects import Settings
from gotriage.probe.target import Target, is_loopback, resolve, ssl_context
from gotriage.reproduce.connections import Pool, tls_arguments
from gotriage.reproduce.load import LoadEngine
from gotriage.reproduce.model import (
    MAX_CONNECTIONS,
    PHASES,
    CpuProfile,
    Plan,
    Run,
    ScenarioRun,
    Second,
)
from gotriage.reproduce.scenarios import SCENARIOS
from gotriage.reproduce.scenarios.base import Context
from gotriage.reproduce.summary import summarise
from gotriage.reproduce.telemetry import local
from gotriage.sockets.model import SocketTable
from gotriage.watch import sample as goroutine_sample

START_DELAY = 0.3  # seconds between setting up and the first scheduled request
SAMPLE_TIMEOUT = 5.0
SAMPLE_MAX_BYTES = 64 << 20
SCENARIO_GRACE = 3.0
LOAD_GRACE = 2.0
LOAD_TAIL = 1.0  # the load runs past the last sample, which must see its connections
FD_MARGIN = 64
PHASE_TABLES = 3  # the last socket snapshots of a phase that its findings are drawn from
PROFILE_SECONDS = 5  # the longest CPU profile taken in the scenario phase
PROFILE_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class Options:
    url: str
    pprof: str = ""  # "" : the target's /debug/pprof/
    pid: int | None = None
    confirm_owned: bool = False
    insecure: bool = False  # https: accept any certificate (self-signed)


def connections_needed(plan: Plan) -> int:
    """Most sockets the run holds at once: scenario connections, load connections, samples."""
    held = 0
    for spec in plan.scenarios:
        module = SCENARIOS[spec.name]
        counts = [p for p in module.PARAMETERS if p.connections]
        if counts:
            held += int(spec.params[counts[0].name])
        else:  # rate scenarios: what at_rate lets be in flight at once
            held += max(10, int(spec.params.get("rate", 10) * 5))
    return held + plan.load_connections + 8


def ensure_file_limit(needed: int) -> tuple[int, str]:
    """How many of the ``needed`` sockets the run may hold, and a note when fewer: the soft
    RLIMIT_NOFILE is raised towards the hard one first (:mod:`gotriage.limits`)."""
    if needed > MAX_CONNECTIONS + FD_MARGIN:
        raise UsageError(
            f"the scenarios hold {needed} connections at once; at most {MAX_CONNECTIONS}"
        )
    return limits.allowed_connections(needed, option="connections", who="reproduce")


def default_pprof(target: Target) -> str:
    return f"{target.scheme}://{target.host_header}/debug/pprof/"


async def reachable(target: Target, context: ssl.SSLContext | None = None) -> None:
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(target.address, target.port, **tls_arguments(target, context)),
            5.0,
        )
    except ssl.SSLError as exc:
        hint = "" if context is None or context.verify_mode == ssl.CERT_NONE else " (--insecure)"
        raise FetchError(f"TLS with {target.endpoint} failed: {exc.reason or exc}{hint}") from None
    except (OSError, TimeoutError) as exc:
        raise FetchError(f"cannot connect to {target.endpoint}: {exc or 'timed out'}") from None
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


class _Sampler:
    """Fills one :class:`Second` per tick; a goroutine fetch runs in a thread, one at a time."""

    def __init__(self, run: Run, target: Target, local_target: bool) -> None:
        self.run = run
        self.target = target
        self.local_target = local_target
        self.fetch: asyncio.Task[None] | None = None
        self.last_cpu: tuple[float, int] | None = None
        self.ticks = local.clock_ticks()
        self.settings = Settings()
        self.tables: dict[str, deque[SocketTable]] = {
            name: deque(maxlen=PHASE_TABLES) for name in PHASES
        }

    async def tick(self, second: Second, now: float) -> None:
        if self.fetch is None or self.fetch.done():
            self.fetch = asyncio.create_task(self._goroutines(second))
        if self.run.pid is not None:
            stat = await asyncio.to_thread(local.stat, self.run.pid)
            if stat is not None:
                second.threads = stat.threads
                if self.last_cpu is not None and now > self.last_cpu[0]:
                    used = (stat.cpu_ticks - self.last_cpu[1]) / self.ticks
                    second.cpu_percent = round(100.0 * used / (now - self.last_cpu[0]), 1)
                self.last_cpu = (now, stat.cpu_ticks)
        if self.local_target:
            table = await asyncio.to_thread(local.port_table, self.target.port, self.run.pid)
            if table is not None:
                second.sockets = port_states(table, self.target.port)
                self.tables[second.phase].append(table)

    async def _goroutines(self, second: Second) -> None:
        sample = await asyncio.to_thread(
            goroutine_sample.take,
            self.run.pprof,
            full=False,
            settings=self.settings,
            timeout=SAMPLE_TIMEOUT,
            max_bytes=SAMPLE_MAX_BYTES,
            leak_profile=False,
        )
        if sample.error is not None:
            second.goroutines_error = sample.error
            return
        second.goroutines = sample.total
        top = sorted(sample.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        second.top_groups = top

    async def last(self) -> None:
        """Wait for the fetch in flight (its own timeout bounds it)."""
        if self.fetch is not None:
            with contextlib.suppress(Exception):
                await self.fetch


def port_states(table: SocketTable, port: int) -> dict[str, int]:
    """The server side of ``port``: the sockets whose local port it is, by state (ss names)."""
    counts: dict[str, int] = {}
    for sock in table.sockets:
        if sock.local_port == port:
            counts[sock.state] = counts.get(sock.state, 0) + 1
    return dict(sorted(counts.items()))


def profile_window(plan: Plan) -> tuple[float, int] | None:
    """(seconds after the scenario starts, whole seconds) of the CPU profile, centred in the
    scenario phase; None when the phase is shorter than a second."""
    seconds = min(PROFILE_SECONDS, int(plan.duration) - 1 if plan.duration >= 2 else 1)
    if plan.duration < 1:
        return None
    return max(0.0, (plan.duration - seconds) / 2), seconds


async def take_profile(pprof: str, delay: float, seconds: int, confirm_owned: bool) -> CpuProfile:
    """The CPU categories of ``gotriage cpu`` over ``seconds``, starting after ``delay``."""
    await asyncio.sleep(delay)
    try:
        loaded = await asyncio.to_thread(
            cpu_sources.load,
            pprof,
            max_bytes=PROFILE_MAX_BYTES,
            seconds=seconds,
            timeout=SAMPLE_TIMEOUT,
            confirm_owned=confirm_owned,
        )
    except (FetchError, InputError, UsageError) as exc:
        return CpuProfile(float(seconds), error=str(exc))
    if loaded.profile is None:
        return CpuProfile(float(seconds), error="no CPU profile in the answer")
    breakdown = categorise(loaded.profile)
    return CpuProfile(
        round(loaded.profile.duration_seconds or float(seconds), 3),
        samples=breakdown.samples,
        categories={c.name: round(c.percent, 1) for c in breakdown.categories},
        dominant=breakdown.dominant,
    )


def _phase_of(plan: Plan, start: float) -> Callable[[float], str]:
    baseline_end = start + plan.baseline
    scenario_end = baseline_end + plan.duration

    def phase_of(at: float) -> str:
        if at <= baseline_end:
            return "baseline"
        return "scenario" if at <= scenario_end else "recovery"

    return phase_of


async def run(
    options: Options,
    plan: Plan,
    *,
    stop: asyncio.Event | None = None,
    on_second: Callable[[Second], None] | None = None,
) -> Run:
    """Run the plan against ``options.url``; FetchError when it cannot be reached at all."""
    target = resolve(options.url, confirm_owned=options.confirm_owned)
    context = ssl_context(target, insecure=options.insecure)
    needed = connections_needed(plan)
    allowed, limit_note = ensure_file_limit(needed)
    await reachable(target, context)
    stop = stop or asyncio.Event()
    local_target = is_loopback(target.address)
    pid = options.pid
    result = Run(
        url=options.url,
        address=target.endpoint,
        pprof=options.pprof or default_pprof(target),
        pid=None,
        plan=plan,
    )
    if pid is None and local_target:
        pid = await asyncio.to_thread(local.pid_listening_on, target.port)
        if pid is None:
            result.notes.append(
                f"no process of ours listens on port {target.port}: no CPU or thread counts "
                "(give --pid)"
            )
    result.pid = pid
    if not local_target:
        result.notes.append("the target is not on this machine: no socket states, no CPU")
    if limit_note:
        result.notes.append(limit_note + "; each scenario opens that share of its connections")

    loop = asyncio.get_running_loop()
    start = loop.time() + START_DELAY
    phase_of = _phase_of(plan, start)
    engine = LoadEngine(
        target,
        rate=plan.rate,
        path=plan.load_path or target.path,
        connections=plan.load_connections,
        timeout=plan.request_timeout,
        phase_of=phase_of,
        ssl_context=context,
    )
    over = asyncio.Event()
    contexts: list[Context] = []
    for index, spec in enumerate(plan.scenarios):
        cap = connections_needed(Plan((spec,), load_connections=0))
        if allowed < needed:
            cap = max(1, cap * allowed // needed)
        ctx = Context(
            target, spec.params, Pool(target, cap, context), random.Random(plan.seed + index), over
        )
        contexts.append(ctx)
        result.scenarios.append(ScenarioRun(spec, ctx.stats))
    sampler = _Sampler(result, target, local_target)
    tasks: list[asyncio.Task[None]] = []
    profiling: asyncio.Task[CpuProfile] | None = None
    window = profile_window(plan)
    if window is None:
        result.notes.append("the scenario phase is shorter than 1 s: no CPU profile")

    async def until(at: float) -> bool:
        """Sleep until loop time ``at``; False when stopped first."""
        delay = at - loop.time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        return not stop.is_set()

    async def sample_at(at: float) -> None:
        second = Second(at=round(at - start, 3), phase=phase_of(at))
        tally = engine.take_second()
        second.requests, second.errors = tally.completed, tally.error_count
        if tally.ok:
            second.p50 = tally.histogram.get_value_at_percentile(50) / 1e6
            second.p99 = tally.histogram.get_value_at_percentile(99) / 1e6
        for ctx in contexts:
            ctx.pool.sweep()
        second.scenario_open = sum(ctx.pool.open_count for ctx in contexts)
        result.timeline.append(second)
        await sampler.tick(second, loop.time())
        if on_second is not None:
            on_second(second)

    scenario_end = start + plan.baseline + plan.duration
    try:
        engine.start(start, start + plan.total + LOAD_TAIL)
        ticks = int(plan.total)
        for k in range(ticks + 1):
            at = start + min(float(k), plan.total)
            if k == ticks:
                at = start + plan.total
            # Scenario start and end fall on their own instants, between the ticks.
            if not tasks and at > start + plan.baseline:
                if not await until(start + plan.baseline):
                    break
                tasks = [
                    asyncio.create_task(SCENARIOS[c_spec.name].run(c))
                    for c_spec, c in zip(plan.scenarios, contexts, strict=True)
                ]
                if window is not None:
                    profiling = asyncio.create_task(
                        take_profile(result.pprof, *window, options.confirm_owned)
                    )
            if tasks and not over.is_set() and at > scenario_end:
                if not await until(scenario_end):
                    break
                await _end_scenarios(over, tasks, contexts)
            if not await until(at):
                break
            if k == ticks:
                await sampler.last()  # the sample after recovery must not be skipped
            await sample_at(at)
        await sampler.last()
        if not over.is_set():
            await _end_scenarios(over, tasks, contexts)
        for ctx in contexts:
            ctx.pool.sweep()
            ctx.stats.open_at_end = ctx.pool.open_count
            delays = ctx.pool.closed_delays
            ctx.stats.closed_by_server = len(delays)
            if delays:
                ctx.stats.closed_median_seconds = round(statistics.median(delays), 3)
        await engine.finish(0.0 if stop.is_set() else LOAD_GRACE)
        if profiling is not None and not stop.is_set():
            await asyncio.wait({profiling}, timeout=SAMPLE_TIMEOUT)  # done long before, mostly
    finally:
        result.interrupted = stop.is_set()
        over.set()
        if profiling is not None and not profiling.done():
            profiling.cancel()
        for task in tasks:
            task.cancel()
        for ctx in contexts:
            ctx.pool.close_all()
        engine.close()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        result.elapsed = round(loop.time() - start, 3)
    cpu = None
    if profiling is not None and profiling.done() and not profiling.cancelled():
        cpu = profiling.result()
    result.phases = summarise(
        result.timeline, engine.phases, plan, sampler.tables, cpu, port=target.port
    )
    errors = [s.goroutines_error for s in result.timeline if s.goroutines_error]
    if errors and all(s.goroutines is None for s in result.timeline):
        result.notes.append(f"no goroutine counts from {result.pprof}: {errors[-1]} (give --pprof)")
    return result


async def _end_scenarios(
    over: asyncio.Event, tasks: list[asyncio.Task[None]], contexts: list[Context]
) -> None:
    over.set()
    if tasks:
        _, late = await asyncio.wait(tasks, timeout=SCENARIO_GRACE)
        for task in late:
            task.cancel()
    for ctx in contexts:
        ctx.pool.sweep()
        ctx.stats.open_at_scenario_end = ctx.pool.open_count
