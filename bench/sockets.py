"""Speed of ``gotriage sockets``: a live reading of 20,000 loopback connections beside ``ss``,
and a 100,000-line saved ``ss -tanpi`` table parsed.

Live: the script re-runs itself in a network namespace of its own (``unshare --net``, as root or
with unprivileged user namespaces) so that only its own sockets are read, brings loopback up,
and opens ``--connections`` connections on 127.0.0.1, spread over worker processes that each
raise their open-file limit to the hard limit and hold both ends of their share. It then
times, ``--runs`` times each:

* gotriage's live snapshot in this process (sock_diag netlink with tcp_info, owners from
  /proc/PID/fd, counters and limits): what ``gotriage sockets`` reads per sample;
* the whole command ``python -m gotriage sockets --format json -q`` (interpreter start,
  reading, analysis, JSON);
* ``ss -tanpi`` on the same sockets (the same information: queues, processes, tcp_info), and
  ``ss -tani`` without processes.

Saved: the ``ss -tanpi`` output of those sockets is cut or repeated to ``--lines`` lines and the
whole command reads it as FILE in a child; wall time, MB/s and the child's peak resident set
(``ru_maxrss`` from ``os.wait4``) are printed, medians over ``--runs``.

    python bench/sockets.py [--connections 20000] [--lines 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gotriage.sockets import live

TARGET_RATIO = 2.0


def median_time(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode == 2:
        sys.exit(f"{' '.join(args)} failed: {process.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
    return wall, usage.ru_maxrss / 1024, process.returncode


def hold_connections(count: int) -> None:
    """Worker: open ``count`` connections to a listener of its own, say so, hold them until
    standard input closes."""
    need = 2 * count + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    held = [listener]
    for _ in range(count):
        held.append(socket.create_connection(listener.getsockname()))
        held.append(listener.accept()[0])
    print("ready", flush=True)
    sys.stdin.read()


def open_connections(count: int) -> list[subprocess.Popen[bytes]]:
    """Spread the connections over worker processes: each holds both ends of its share, so
    one process's open-file limit (hard limit here: RLIMIT_NOFILE) is never the bound."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    per_worker = max(1, min(count, (hard - 200) // 2))
    workers = []
    left = count
    while left > 0:
        share = min(per_worker, left)
        worker = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(share)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        workers.append(worker)
        left -= share
    for worker in workers:
        line = worker.stdout.readline()  # type: ignore[union-attr]
        if line.strip() != b"ready":
            sys.exit("a worker could not open its connections")
    return workers


def bring_up_loopback() -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=False, capture_output=True)


def bench(args: argparse.Namespace, isolated: bool) -> None:
    if isolated:
        bring_up_loopback()
    print(f"network namespace of its own: {'yes' if isolated else 'no (sharing the machine)'}")
    start = time.perf_counter()
    workers = open_connections(args.connections)
    print(
        f"{args.connections} loopback connections ({2 * args.connections} sockets) held by "
        f"{len(workers)} worker processes, opened in {time.perf_counter() - start:.1f} s"
    )
    table = live.snapshot()
    print(f"live snapshot sees {len(table.sockets)} sockets ({table.format})")

    snapshot = median_time(live.snapshot, args.runs)
    ss_pi = median_time(
        lambda: subprocess.run(["ss", "-tanpi"], capture_output=True, check=True), args.runs
    )
    ss_i = median_time(
        lambda: subprocess.run(["ss", "-tani"], capture_output=True, check=True), args.runs
    )
    command = [sys.executable, "-m", "gotriage", "sockets", "--format", "json", "-q"]
    whole = statistics.median(child(command)[0] for _ in range(args.runs))
    python = statistics.median(
        child([sys.executable, "-c", "import gotriage.cli"])[0] for _ in range(args.runs)
    )
    print()
    print(f"{'reading':<58} {'median s':>9} {'vs ss -tanpi':>13}")
    rows = [
        ("gotriage live snapshot (netlink + owners + counters)", snapshot),
        ("gotriage sockets --format json -q (whole command)", whole),
        ("  of which python start and imports", python),
        ("ss -tanpi", ss_pi),
        ("ss -tani (no processes)", ss_i),
    ]
    for name, seconds in rows:
        print(f"{name:<58} {seconds:>9.3f} {seconds / ss_pi:>12.2f}x")
    ratio = snapshot / ss_pi
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"target: live reading within {TARGET_RATIO:.0f}x of ss -tanpi: {verdict} ({ratio:.2f}x)")

    saved_text = subprocess.run(
        ["ss", "-tanpi"], capture_output=True, check=True
    ).stdout.splitlines(keepends=True)
    for worker in workers:
        worker.stdin.close()  # type: ignore[union-attr]
        worker.wait()
    lines = []
    while len(lines) < args.lines:
        lines.extend(saved_text[1:])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ss-tanpi.txt"
        path.write_bytes(saved_text[0] + b"".join(lines[: args.lines - 1]))
        size = path.stat().st_size
        results = [child([*command, str(path)]) for _ in range(args.runs)]
    wall = statistics.median(r[0] for r in results)
    rss = statistics.median(r[1] for r in results)
    print()
    print(
        f"saved ss -tanpi table: {args.lines} lines, {size / 1e6:.1f} MB, exit code {results[0][2]}"
    )
    print(
        f"  whole command: median {wall:.2f} s, {size / 1e6 / wall:.1f} MB/s "
        f"({(size / 1e6) / max(wall - python, 1e-9):.1f} MB/s without python start), "
        f"peak RSS {rss:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=20000)
    parser.add_argument("--lines", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--shared", action="store_true", help="do not use a network namespace")
    args = parser.parse_args()
    if args.worker:
        hold_connections(args.worker)
        return
    if shutil.which("ss") is None:
        sys.exit("ss (iproute2) is needed for the comparison")
    if args.inside or args.shared:
        bench(args, isolated=args.inside)
        return
    unshare = shutil.which("unshare")
    own = ["--net"] if os.geteuid() == 0 else ["--user", "--map-root-user", "--net"]
    if unshare:
        done = subprocess.run([unshare, *own, sys.executable, __file__, "--inside", *sys.argv[1:]])
        if done.returncode == 0:
            return
        print(
            "no network namespace could be made; measuring on the shared machine", file=sys.stderr
        )
    bench(args, isolated=False)


if __name__ == "__main__":
    main()
