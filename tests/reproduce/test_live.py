"""Each scenario against the reproserver fixture, broken and fixed configuration side by side:
the difference the README claims, and verdicts that differ where a setting decides it."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gotriage.errors import FetchError
from gotriage.probe.target import resolve
from gotriage.reproduce import plan as plans
from gotriage.reproduce import runner
from gotriage.reproduce.load import measure
from gotriage.reproduce.model import Plan, Run, Thresholds
from gotriage.reproduce.verdicts import assess, time_wait_peak

pytestmark = pytest.mark.slow

PHASES = {"baseline": 1.0, "duration": 2.0, "recovery": 2.0, "rate": 50.0, "seed": 7}
TIMEOUT = "500ms"


def make_plan(name: str, **params: object) -> Plan:
    paths = {"slow-body": "/body", "slow-readers": "/large", "blocking-handler": "/slow"}
    overrides = plans.Overrides([name], dict(PHASES), dict(params), paths)
    return plans.build("/", overrides)


async def _both(plan: Plan, urls: list[str], concurrent: bool) -> list[Run]:
    jobs = [runner.run(runner.Options(url), plan) for url in urls]
    if concurrent:
        return list(await asyncio.gather(*jobs))
    return [await job for job in jobs]


def run_pair(
    go_program, plan, broken_flags, fixed_flags, *, env=None, concurrent=True, limits=None
):
    limits = limits or Thresholds()
    with (
        go_program("reproserver", "-lifetime=60s", *broken_flags, env=env) as broken,
        go_program("reproserver", "-lifetime=60s", *fixed_flags, env=env) as fixed,
    ):
        runs = asyncio.run(_both(plan, [broken.url("app"), fixed.url("app")], concurrent))
    for run in runs:
        run.verdicts = assess(run, limits)
    return runs


def goroutines(run: Run) -> tuple[int, int]:
    """(baseline, after recovery)."""
    base, after = run.phases["baseline"].goroutines_last, run.phases["recovery"].goroutines_last
    assert base is not None and after is not None, run.timeline
    return base, after


@dataclass(frozen=True)
class Held:
    scenario: str
    fixed_flag: str
    params: dict[str, object] = field(default_factory=dict)


HELD = [
    Held("slow-clients", "-read-header-timeout", {"clients": 100}),
    Held("slow-body", "-read-timeout", {"clients": 100}),
    Held("slow-readers", "-write-timeout", {"clients": 20}),
    Held("idle-keepalive", "-idle-timeout", {"clients": 100}),
]


@pytest.mark.parametrize("case", HELD, ids=lambda c: c.scenario)
def test_connections_held_without_the_timeout_released_with_it(go_program, case):
    """README: without the timeout every connection holds a goroutine through the recovery
    phase; with it the server closes them within the timeout and goroutines return to baseline."""
    plan = make_plan(case.scenario, **case.params)
    clients = int(case.params["clients"])
    broken, fixed = run_pair(go_program, plan, [], [f"{case.fixed_flag}={TIMEOUT}"])

    base, after = goroutines(broken)
    assert after - base >= 0.9 * clients, broken.timeline
    assert broken.verdicts[0].degraded and "goroutines" in broken.verdicts[0].reasons
    assert "still" in broken.verdicts[0].evidence

    base, after = goroutines(fixed)
    assert after - base <= 10, fixed.timeline
    assert not fixed.verdicts[0].degraded, fixed.verdicts[0]
    stats = fixed.scenarios[0].stats
    if case.scenario != "slow-readers":  # a reader that stopped reading cannot see the close
        assert stats.closed_by_server >= 0.9 * clients
        assert stats.closed_median_seconds is not None and stats.closed_median_seconds < 2.0
        assert broken.scenarios[0].stats.open_at_end >= 0.9 * clients
    setting = broken.verdicts[0].setting
    assert setting in broken.verdicts[0].fix and setting in fixed.verdicts[0].fix
    assert broken.verdicts[0].fix != fixed.verdicts[0].fix


def test_abrupt_close_is_freed_at_once_with_or_without_timeouts(go_program):
    """README: a reset connection is freed at once whatever the server's timeouts."""
    plan = make_plan("abrupt-close", rate=50)
    runs = run_pair(go_program, plan, [], [f"-timeouts={TIMEOUT}"])
    for run in runs:
        base, after = goroutines(run)
        assert after - base <= 10, run.timeline
        assert run.scenarios[0].stats.resets >= 50
        assert not run.verdicts[0].degraded, run.verdicts[0]


def test_blocking_handler_collapses_latency_only_without_a_limit(go_program):
    """README: an unbounded CPU-heavy handler makes normal requests queue behind it; a
    concurrency limit on the handler keeps them fast."""
    plan = make_plan("blocking-handler", clients=40)
    env = dict(os.environ, GOMAXPROCS="1")
    broken, limited = run_pair(
        go_program,
        plan,
        ["-slow-work=50ms"],
        ["-slow-work=50ms", "-slow-limit=1"],
        env=env,
        concurrent=False,
        # A collapse is a p99 300 ms above baseline: far below the unbounded server's (seconds),
        # far above what one running handler costs the normal requests on a loaded machine.
        limits=Thresholds(p99_increase=0.3),
    )
    assert broken.verdicts[0].degraded and "latency" in broken.verdicts[0].reasons
    b, s = broken.phases["baseline"].p99, broken.phases["scenario"].p99
    assert b is not None and s is not None and s > 10 * b and s > 0.3, broken.phases
    assert "latency" not in limited.verdicts[0].reasons, limited.phases
    assert limited.scenarios[0].stats.requests > 0
    assert broken.verdicts[0].fix != limited.verdicts[0].fix


def test_header_oversize_shows_retry_amplification(go_program):
    """README: with MaxHeaderBytes below what clients send every request is rejected and each
    retry repeats it; a limit that fits accepts them at the first attempt."""
    plan = make_plan("header-oversize", rate=10, header_bytes="16KiB", retries=3)
    small, fits = run_pair(go_program, plan, ["-max-header-bytes=4096"], [])
    stats = small.scenarios[0].stats
    assert stats.logical > 0 and stats.requests == stats.logical + stats.retries
    # Every request was tried four times (one may have been cut by the end of the phase).
    assert stats.retries >= 3 * (stats.logical - 1)
    assert set(stats.answers) == {"431"}
    assert small.verdicts[0].degraded and "rejected" in small.verdicts[0].reasons
    assert "MaxHeaderBytes" in small.verdicts[0].fix
    stats = fits.scenarios[0].stats
    assert stats.requests == stats.logical > 0 and stats.retries == 0
    assert not fits.verdicts[0].degraded


def test_connection_churn_leaves_time_wait_on_the_server_port(go_program):
    """README: the server closes each connection first and keeps a TIME_WAIT socket for it."""
    plan = make_plan("connection-churn", rate=100)
    with go_program("reproserver", "-lifetime=60s") as server:
        run = asyncio.run(runner.run(runner.Options(server.url("app")), plan))
    made = run.scenarios[0].stats.connections
    assert made >= 100
    assert time_wait_peak(run) >= 0.8 * made, run.timeline
    assert not assess(run, Thresholds())[0].degraded
    strict = assess(run, Thresholds(time_wait=50))[0]
    assert strict.degraded and strict.reasons == ["time-wait"]


def test_constant_rate_load_measures_the_stall(go_program):
    """Coordinated omission: 1 s stalls every 5 s delay 20% of requests by 0 to 1 s, so the
    p99 of a constant-rate load is 0.95 s (a closed-loop client would see almost none)."""
    seconds, rate = 10.0, 200.0

    with go_program("reproserver", "-lifetime=60s", "-stall-every=5s", "-stall-for=1s") as s:
        target = resolve(s.url("app"), confirm_owned=False)
        tally, _ = asyncio.run(measure(target, rate=rate, seconds=seconds, connections=8))
    assert tally.ok >= 0.99 * seconds * rate and not tally.errors
    p99 = tally.histogram.get_value_at_percentile(99) / 1e6
    assert 0.95 * 0.9 <= p99 <= 0.95 * 1.1, p99


def _open_fds() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


def test_stop_ends_at_once_keeps_what_was_measured_and_closes_every_socket(go_program):
    """Ctrl-C sets the stop event: the run ends within a moment, mid-scenario, with its
    timeline so far, and every socket it opened is closed."""
    plan = make_plan("slow-clients", clients=100)
    plan = dataclasses.replace(plan, duration=30.0, recovery=30.0)

    async def interrupted(url: str) -> tuple[Run, float]:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.call_later(2.5, stop.set)
        started = loop.time()
        run = await runner.run(runner.Options(url), plan, stop=stop)
        return run, loop.time() - started

    with go_program("reproserver", "-lifetime=60s") as server:
        before = _open_fds()
        run, took = asyncio.run(interrupted(server.url("app")))
        after = _open_fds()
    assert run.interrupted and took < 15.0
    assert run.timeline and run.timeline[-1].phase == "scenario"
    assert run.scenarios[0].stats.connections == 100
    assert after <= before


def test_https_target_with_a_self_signed_certificate(go_program):
    """https as probe speaks it: refused without --insecure, then the load and the scenario's
    connections run inside TLS (probeserver serves no pprof: the run says so)."""
    plan = make_plan("slow-clients", clients=20)
    plan = dataclasses.replace(plan, duration=1.0, recovery=1.0)
    with go_program("probeserver", "-lifetime=60s", "-tls") as server:
        url = server.url("app")
        assert url.startswith("https://")
        with pytest.raises(FetchError, match="--insecure"):
            asyncio.run(runner.run(runner.Options(url), plan))
        run = asyncio.run(runner.run(runner.Options(url, insecure=True), plan))
    for phase in run.phases.values():
        assert phase.requests > 0 and phase.errors == 0, run.phases
    stats = run.scenarios[0].stats
    assert stats.connections == 20 and stats.open_at_end == 20, stats
    cpu = run.phases["scenario"].cpu
    assert cpu is not None and cpu.error is not None
    assert any("no goroutine counts" in note for note in run.notes), run.notes
