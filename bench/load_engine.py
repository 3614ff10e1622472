"""What the background load of ``gotriage reproduce`` can do on one core, beside wrk and hey.

1. Highest sustained rate: the load engine, pinned to one core, at rising constant rates (x1.25
   a step, ``--seconds`` each) over ``--connections`` keep-alive connections against the
   ``reproserver`` fixture (GOMAXPROCS=1, pinned to the other core when there is one), until a
   step answers fewer than 99% of its scheduled requests or its p99 from the schedule passes
   1 s (it fell behind), twice; the last step that held is the figure. Then wrk (``-t1``) and
   hey (``-cpus 1``) on the same server, connections and core, each as fast as it goes (closed
   loop). Ratios to wrk's rate are printed (target: at least a third).
2. Asked for far more than it can send (1,000,000 a second), the engine's closed-loop rate.
3. Coordinated omission: the fixture stalling 1 s every 5 s, at a constant 200 requests a second
   for 10 s: the p99 the stall implies (0.95 s), ours, wrk's and hey's (which measure from the
   send, not the schedule).
4. Slow clients one core holds: ``slow-clients`` with ``--clients`` connections (default
   10,000; the soft fd limit is raised to the hard one) through the whole runner, with the CPU
   our process used while holding them.

wrk and hey are Debian packages: ``apt-get install wrk hey``; without them their rows say so.

    python bench/load_engine.py [--seconds 5] [--connections 32] [--clients 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from gotriage.gotool import build_commands, run_program
from gotriage.probe.target import resolve
from gotriage.reproduce import plan as plans
from gotriage.reproduce import runner
from gotriage.reproduce.load import measure

ROOT = Path(__file__).resolve().parents[1]
GO_MODULE = ROOT / "tests" / "go"
STALL_P99 = 0.95  # 20% of requests delayed uniformly by 0..1 s: the 99th percentile


def cores() -> tuple[int, int]:
    available = sorted(os.sched_getaffinity(0))
    return available[0], available[-1]


def taskset(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") else []


async def engine_run(
    url: str, rate: float, seconds: float, connections: int
) -> tuple[float, float]:
    """(answered requests a second, p99 seconds from the schedule)."""
    target = resolve(url, confirm_owned=False)
    tally, elapsed = await measure(target, rate=rate, seconds=seconds, connections=connections)
    p99 = tally.histogram.get_value_at_percentile(99) / 1e6 if tally.ok else float("nan")
    return tally.ok / elapsed, p99


def wrk(url: str, seconds: float, connections: int, core: int) -> tuple[float, float] | str:
    if not shutil.which("wrk"):
        return "not installed (apt-get install wrk)"
    out = subprocess.run(
        [*taskset(core), "wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)
    if not rate or not p99:
        return f"unreadable output: {out[-200:]!r}"
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0}[p99.group(2)]
    return float(rate.group(1)), float(p99.group(1)) * unit


def hey(url: str, seconds: float, connections: int, core: int) -> tuple[float, float] | str:
    if not shutil.which("hey"):
        return "not installed (apt-get install hey)"
    out = subprocess.run(
        [*taskset(core), "hey", "-z", f"{seconds:.0f}s", "-c", str(connections), "-cpus", "1", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%+ in ([\d.]+) secs", out)
    if not rate or not p99:
        return f"unreadable output: {out[-200:]!r}"
    return float(rate.group(1)), float(p99.group(1))


def show(name: str, figure: tuple[float, float] | str, wrk_rate: float | None) -> None:
    if isinstance(figure, str):
        print(f"  {name:28} {figure}")
        return
    rate, p99 = figure
    ratio = f"  {rate / wrk_rate:.2f}x wrk" if wrk_rate else ""
    print(f"  {name:28} {rate:10,.0f} req/s   p99 {p99 * 1000:8.1f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--clients", type=int, default=10_000)
    args = parser.parse_args()
    load_core, server_core = cores()
    with tempfile.TemporaryDirectory() as tmp:
        bin_dir = build_commands(GO_MODULE, Path(tmp))
        server = bin_dir / "reproserver"
        env = dict(os.environ, GOMAXPROCS="1")
        os.sched_setaffinity(0, {load_core})
        print(f"load generators on core {load_core}, server on core {server_core} (GOMAXPROCS=1)")

        print(
            "\n1. highest rate on one core (keep-alive, GET /, "
            f"{args.connections} connections, {args.seconds:.0f} s)"
        )
        with run_program(Path(server), ["-lifetime=600s"], env=env) as prog:
            os.sched_setaffinity(prog.process.pid, {server_core})
            url = prog.url("app")
            rate, held = 4000.0, (0.0, float("nan"))
            while rate < 1e6:
                # A step holds when it answers 99% of its schedule with p99 under a second (a
                # load that falls behind grows without bound); the machine is shared, so a step
                # gets a second try before the search stops.
                kept = None
                for _ in range(2):
                    got, p99 = asyncio.run(engine_run(url, rate, args.seconds, args.connections))
                    print(
                        f"    step {rate:9,.0f}/s: answered {got:9,.0f}/s, p99 {p99 * 1000:7.1f} ms"
                    )
                    if got >= 0.99 * rate and p99 < 1.0:
                        kept = (got, p99)
                        break
                if kept is None:
                    break
                held = kept
                rate *= 1.25
            ours = held
            w = wrk(url, args.seconds, args.connections, load_core)
            h = hey(url, args.seconds, args.connections, load_core)
            wrk_rate = w[0] if not isinstance(w, str) else None
            show("gotriage reproduce load", ours, wrk_rate)
            show("wrk -t1", w, wrk_rate)
            show("hey -cpus 1", h, wrk_rate)
            print("\n2. closed loop: asked for 1,000,000 req/s")
            rate, _ = asyncio.run(engine_run(url, 1e6, args.seconds, args.connections))
            print(f"  answered {rate:,.0f} req/s (latency from the schedule means nothing here)")

        print(
            "\n3. coordinated omission: stall 1 s every 5 s, 200 req/s for 10 s "
            f"(implied p99 {STALL_P99 * 1000:.0f} ms)"
        )
        with run_program(Path(server), ["-lifetime=600s", "-stall-every=5s"], env=env) as prog:
            os.sched_setaffinity(prog.process.pid, {server_core})
            url = prog.url("app")
            _, p99 = asyncio.run(engine_run(url, 200.0, 10.0, 8))
            print(
                f"  gotriage reproduce load      p99 {p99 * 1000:8.1f} ms "
                f"({p99 / STALL_P99 - 1:+.1%} from the implied value)"
            )
            w = wrk(url, 10.0, 8, load_core)
            h = hey(url, 10.0, 8, load_core)
            for name, figure in (("wrk -t1 -c8 (closed loop)", w), ("hey -c 8 (closed loop)", h)):
                if isinstance(figure, str):
                    print(f"  {name:28} {figure}")
                else:
                    print(f"  {name:28} p99 {figure[1] * 1000:8.1f} ms  ({figure[0]:,.0f} req/s)")

        print(f"\n4. slow clients one core holds: slow-clients, {args.clients:,} connections")
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        print(f"  open files: soft {soft}, hard {hard}")
        with run_program(Path(server), ["-lifetime=600s"], env=env) as prog:
            os.sched_setaffinity(prog.process.pid, {server_core})
            overrides = plans.Overrides(
                ["slow-clients"],
                {"baseline": 2.0, "duration": 15.0, "recovery": 3.0, "rate": 50.0},
                {"clients": args.clients},
            )
            plan = plans.build("/", overrides)
            before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.monotonic()
            run = asyncio.run(runner.run(runner.Options(prog.url("app")), plan))
            wall = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        stats = run.scenarios[0].stats
        phases = run.phases
        print(
            f"  opened {stats.connections:,} (failed {stats.connect_failed:,}), held at the end "
            f"{stats.open_at_end:,}; server goroutines {phases['baseline'].goroutines_last} -> "
            f"{phases['recovery'].goroutines_last}"
        )
        print(
            f"  our CPU {cpu:.1f} s over {wall:.1f} s ({100 * cpu / wall:.0f}% of one core), "
            f"peak RSS {after.ru_maxrss / 1024:.0f} MB; normal p99 baseline "
            f"{(phases['baseline'].p99 or 0) * 1000:.1f} ms, scenario "
            f"{(phases['scenario'].p99 or 0) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
