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
import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from gotriage.errors import FetchError, UsageError
from gotriage.goroutines.suspects import Settings
from gotriage.probe.target import Target, is_loopback, resolve
from gotriage.reproduce.connections import Pool
from gotriage.reproduce.load import LoadEngine
from gotriage.reproduce.model import MAX_CONNECTIONS, Plan, Run, ScenarioRun, Second
from gotriage.reproduce.scenarios import SCENARIOS
from gotriage.reproduce.scenarios.base import Context
from gotriage.reproduce.summary import summarise
from gotriage.reproduce.telemetry import local, tcp_table
from gotriage.watch import sample as goroutine_sample

START_DELAY = 0.3  # seconds between setting up and the first scheduled request
SAMPLE_TIMEOUT = 5.0
SAMPLE_MAX_BYTES = 64 << 20
SCENARIO_GRACE = 3.0
LOAD_GRACE = 2.0
LOAD_TAIL = 1.0  # the load runs past the last sample, which must see its connections
FD_MARGIN = 64


@dataclass(frozen=True)
class Options:
    url: str
    pprof: str = ""  # "" : the target's /debug/pprof/
    pid: int | None = None
    confirm_owned: bool = False


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


def ensure_file_limit(needed: int) -> None:
    """Raise the soft RLIMIT_NOFILE towards the hard one; UsageError when it cannot hold."""
    if needed > MAX_CONNECTIONS + FD_MARGIN:
        raise UsageError(
            f"the scenarios hold {needed} connections at once; at most {MAX_CONNECTIONS}"
        )
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed + FD_MARGIN
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(hard, max(want, soft))
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < want:
        raise UsageError(
            f"the scenarios need {want} open files and the limit is {soft} (hard {hard}); "
            f"lower --clients or raise it (ulimit -n {want})"
        )


def default_pprof(target: Target) -> str:
    return f"{target.scheme}://{target.host_header}/debug/pprof/"


async def reachable(target: Target) -> None:
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(target.address, target.port), 5.0
        )
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
            table = await asyncio.to_thread(local.sockets)
            if table is not None:
                second.sockets = tcp_table.states_of_port(table, self.target.port)

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
    if target.tls:
        raise UsageError(f"{options.url}: reproduce speaks plain http:// only (no TLS yet)")
    ensure_file_limit(connections_needed(plan))
    await reachable(target)
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
    )
    over = asyncio.Event()
    contexts: list[Context] = []
    for index, spec in enumerate(plan.scenarios):
        cap = connections_needed(Plan((spec,), load_connections=0))
        ctx = Context(
            target, spec.params, Pool(target, cap), random.Random(plan.seed + index), over
        )
        contexts.append(ctx)
        result.scenarios.append(ScenarioRun(spec, ctx.stats))
    sampler = _Sampler(result, target, local_target)
    tasks: list[asyncio.Task[None]] = []

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
    finally:
        result.interrupted = stop.is_set()
        over.set()
        for task in tasks:
            task.cancel()
        for ctx in contexts:
            ctx.pool.close_all()
        engine.close()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        result.elapsed = round(loop.time() - start, 3)
    result.phases = summarise(result.timeline, engine.phases, plan)
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
