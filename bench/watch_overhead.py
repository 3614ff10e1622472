"""What ``gotriage watch`` costs: the watched service's latency, and the watch's own CPU, memory
and disk.

1. Latency. The ``watched`` fixture runs with 10,000 extra goroutines parked by design under a
   steady load of ``--rate`` requests a second on keep-alive connections. Latency is measured
   from each request's scheduled send time (so a stall is not hidden by requests never sent).
   Phases without and with a watch at a 1 s interval alternate (``--phases`` of each, every
   phase ``--phase-seconds`` long), and p50/p99 of each condition are printed side by side.
2. Fifty targets. Fifty ``watched`` processes are watched by one ``gotriage watch`` at
   ``--fleet-interval`` (1 s) for ``--fleet-seconds``; its CPU (user + system time over wall
   time, in percent of one core) and peak RSS are printed.
3. Disk. The size of that run's SQLite file per sample and per target, extrapolated to a
   target-day at the default 30 s interval (2,880 samples).

    python bench/watch_overhead.py [--rate 200] [--phase-seconds 15] [--phases 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gotriage.gotool import build_commands, run_program

ROOT = Path(__file__).resolve().parents[1]
GO_MODULE = ROOT / "tests" / "go"
REQUEST = b"GET /health HTTP/1.1\r\nHost: bench\r\n\r\n"


async def _connection(host: str, port: int, times: list[float], out: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    loop = asyncio.get_running_loop()
    try:
        for scheduled in times:
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(REQUEST)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            out.append(loop.time() - scheduled)
    finally:
        writer.close()


async def _load(url: str, rate: float, seconds: float, connections: int = 8) -> list[float]:
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    n = int(rate * seconds)
    schedule = [start + i / rate for i in range(n)]
    latencies: list[float] = []
    await asyncio.gather(
        *(
            _connection(host, int(port), schedule[c::connections], latencies)
            for c in range(connections)
        )
    )
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def watch_command(targets: list[str], db: Path, interval: str, seconds: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gotriage",
        "watch",
        *targets,
        "--db",
        str(db),
        "--interval",
        interval,
        "--duration",
        f"{seconds}s",
        "--no-config",
        "-q",
    ]


def run_measured(command: list[str]) -> tuple[float, float, int]:
    """(wall s, cpu s, peak RSS bytes) of a child process run to its end."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def latency(binaries: Path, args: argparse.Namespace, tmp: Path) -> None:
    print(f"1. latency of /health at {args.rate:g} req/s, 10,000 parked goroutines")
    with run_program(binaries / "watched", ["-lifetime=600s", "-park=10000"]) as service:
        app, pprof = service.url("app"), service.url("watch")
        results: dict[str, list[float]] = {"without watch": [], "with watch (1 s)": []}
        for phase in range(args.phases):
            results["without watch"] += asyncio.run(_load(app, args.rate, args.phase_seconds))
            command = watch_command([pprof], tmp / f"lat{phase}.db", "1s", args.phase_seconds + 5)
            watch = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            try:
                time.sleep(2)
                results["with watch (1 s)"] += asyncio.run(
                    _load(app, args.rate, args.phase_seconds)
                )
            finally:
                watch.terminate()
                watch.wait(30)
        base = None
        for name, values in results.items():
            p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
            line = f"   {name:18} requests {len(values):6}  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"
            if base is None:
                base = (p50, p99)
            else:
                line += f"  (p50 x{p50 / base[0]:.3f}, p99 x{p99 / base[1]:.3f})"
            print(line)


def fleet(binaries: Path, args: argparse.Namespace, tmp: Path) -> None:
    interval = args.fleet_interval
    print(f"2. one watch over 50 targets at a {interval} interval for {args.fleet_seconds:g} s")
    with contextlib.ExitStack() as stack:
        programs = [
            stack.enter_context(run_program(binaries / "watched", ["-lifetime=600s", "-park=100"]))
            for _ in range(50)
        ]
        targets = [p.url("watch") for p in programs]
        db = tmp / "fleet.db"
        wall, cpu, rss = run_measured(watch_command(targets, db, interval, args.fleet_seconds))
        print(
            f"   wall {wall:.1f} s  cpu {cpu:.1f} s = {100 * cpu / wall:.1f}% of a core  "
            f"peak RSS {rss / 2**20:.0f} MiB"
        )
    import sqlite3

    size = sum(p.stat().st_size for p in tmp.glob("fleet.db*"))
    connection = sqlite3.connect(db)
    samples = connection.execute("SELECT count(*) FROM samples").fetchone()[0]
    connection.close()
    per_sample = size / max(samples, 1)
    print("3. SQLite history")
    print(
        f"   {size / 2**20:.1f} MiB for {samples} samples of 50 targets = "
        f"{per_sample / 1024:.1f} KiB a sample; a target-day at the default 30 s interval "
        f"(2,880 samples) = {per_sample * 2880 / 2**20:.1f} MiB before downsampling"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--phase-seconds", type=float, default=15.0)
    parser.add_argument("--phases", type=int, default=2)
    parser.add_argument("--fleet-seconds", type=float, default=30.0)
    parser.add_argument(
        "--fleet-interval", default="1s", help="the watch's interval (30s: default)"
    )
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    with tempfile.TemporaryDirectory(prefix="gotriage-bench-") as name:
        tmp = Path(name)
        binaries = build_commands(GO_MODULE, tmp / "bin")
        if not args.skip_latency:
            latency(binaries, args, tmp)
        fleet(binaries, args, tmp)


if __name__ == "__main__":
    main()
