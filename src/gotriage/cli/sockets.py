"""`gotriage sockets [FILE ...]`: TCP socket tables, live or saved, and what they say."""

from __future__ import annotations

import argparse
import sys
import time

from gotriage import fetch
from gotriage.cli.options import size as _size
from gotriage.cli.options import whole as _whole
from gotriage.errors import InputError, UsageError
from gotriage.goroutines.load import read_source
from gotriage.knowledge import socket_findings as K
from gotriage.model import Severity
from gotriage.report import sockets_json, sockets_text
from gotriage.report.console import stdout_console
from gotriage.report.progress import progress
from gotriage.sockets import join, live, netlink, procfs
from gotriage.sockets.analyse import Settings, SocketsAnalysis, analyse
from gotriage.sockets.model import SocketTable
from gotriage.sockets.parse_text import parse_chunks
from gotriage.units import parse_duration

DEFAULT_MAX_BYTES = 1 << 30
FILE_HINT = "raise it with --max-bytes"

DESCRIPTION = """\
Read this machine's TCP sockets (or saved tables) and say which of these is happening, on
which port and process, why, and what to set: zombie-connections (server connections with
unread data), slow-clients (server connections idle for long), time-wait-storm (server or
client side, with how close the ephemeral port range is to exhaustion), close-wait-pile,
accept-queue-overflow.

Without FILE, the live sockets are read through sock_diag netlink as ss does (queues, LISTEN
backlogs, tcp_info), or /proc/net/tcp and tcp6 when netlink is refused, with owners from
/proc/PID/fd and the kernel's counters (/proc/net/netstat, /proc/net/sockstat) and limits.
FILE is saved output of ss -tan, ss -tanp, ss -tanpi, ss -s, netstat -tan/-tanp or a copy of
/proc/net/tcp ('-' for standard input), detected by content; several files are samples, oldest
first. A socket on a LISTEN port is server side; every other connection is client side.
"""

EPILOG = """\
examples:
  gotriage sockets                                   # one live snapshot
  gotriage sockets --port 8080 --samples 3 --interval 5
  gotriage sockets --pid 4211 --goroutines http://127.0.0.1:6060/debug/pprof/
  ss -tanpi > a.txt; sleep 10; ss -tanpi > b.txt; gotriage sockets a.txt b.txt
  ss -tan | gotriage sockets - --format json

exit codes: 0 no finding of medium or worse, 1 at least one, 2 usage or input error (missing
permission included: the message says what was still read).
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sockets",
        help="find zombie and slow connections, TIME-WAIT storms, CLOSE-WAIT piles, "
        "full accept queues",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", metavar="FILE", nargs="*", help="saved tables ('-' for stdin)")
    parser.add_argument(
        "--port", type=_port, metavar="N", help="only sockets on this port (either end)"
    )
    parser.add_argument(
        "--pid", type=_whole, metavar="P", help="only this process: its listeners, its connections"
    )
    parser.add_argument(
        "--samples", type=_whole, metavar="K", help="live: take K snapshots (default 1)"
    )
    parser.add_argument(
        "--interval",
        type=_duration,
        default=5.0,
        metavar="S",
        help="live: time between snapshots (default 5s)",
    )
    parser.add_argument(
        "--idle",
        type=_duration,
        default=K.IDLE_SECONDS,
        metavar="S",
        help=f"slow-clients: no data either way for this long (default {K.IDLE_SECONDS:g}s)",
    )
    parser.add_argument(
        "--slow-clients",
        type=_whole,
        default=K.SLOW_CLIENTS_MIN,
        metavar="N",
        help=f"slow-clients: this many idle connections on one port (default {K.SLOW_CLIENTS_MIN})",
    )
    parser.add_argument(
        "--stale",
        type=_duration,
        default=K.STALE_SECONDS,
        metavar="S",
        help="from one snapshot, unread data or a peer's FIN this old is persistent "
        f"(default {K.STALE_SECONDS:g}s)",
    )
    parser.add_argument(
        "--time-wait",
        type=_whole,
        default=K.TIME_WAIT_MIN,
        metavar="N",
        help="time-wait-storm: TIME-WAIT on one port or towards one upstream "
        f"(default {K.TIME_WAIT_MIN})",
    )
    parser.add_argument(
        "--close-wait",
        type=_whole,
        default=K.CLOSE_WAIT_MIN,
        metavar="N",
        help=f"close-wait-pile: CLOSE-WAIT on one port or upstream (default {K.CLOSE_WAIT_MIN})",
    )
    parser.add_argument(
        "--goroutines",
        metavar="SOURCE",
        help="a goroutine dump or the live /debug/pprof/ URL of the same process: "
        "join the two views",
    )
    parser.add_argument(
        "--no-netlink", action="store_true", help="live: read /proc/net/tcp instead of netlink"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text or JSON")
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write a self-contained HTML report to FILE (charts, no script)",
    )
    parser.add_argument("--all", action="store_true", help="text: every port and upstream")
    parser.add_argument(
        "--timeout",
        type=float,
        default=fetch.READ_TIMEOUT,
        metavar="SECONDS",
        help=f"--goroutines URL: per-request timeout (default {fetch.READ_TIMEOUT:.0f})",
    )
    parser.add_argument(
        "--max-bytes",
        type=_size,
        default=DEFAULT_MAX_BYTES,
        metavar="SIZE",
        help="refuse larger input files (default 1G)",
    )
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _port(text: str) -> int:
    value = _whole(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("a port is 1 to 65535")
    return value


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def read_file(path: str, max_bytes: int) -> SocketTable:
    chunks = read_source(path, max_bytes=max_bytes, hint=FILE_HINT)
    return parse_chunks(chunks, "<stdin>" if path == "-" else path)


def _pid_readable(pid: int) -> None:
    """--pid on a process whose fds cannot be read: say so, and what was still read."""
    found = procfs.owners([pid])
    if pid in found.denied:
        raise InputError(
            f"permission denied on /proc/{pid}/fd: cannot tell which sockets process {pid} holds "
            "(run as root or as its user); still readable: every socket of the machine "
            "(run without --pid), the kernel counters and limits"
        )
    if not found.scanned:
        raise UsageError(f"--pid {pid}: no such process")


def take_samples(args: argparse.Namespace) -> list[SocketTable]:
    count = args.samples or 1
    tables = []
    if args.pid is not None:
        _pid_readable(args.pid)
    with progress("sampling sockets", count, quiet=args.quiet) as bar:
        for index in range(count):
            if index:
                time.sleep(args.interval)
            try:
                tables.append(live.snapshot(args.pid, use_netlink=not args.no_netlink))
            except (OSError, netlink.NetlinkUnavailable) as exc:
                raise InputError(
                    f"cannot read the socket tables: {exc.strerror or exc} (neither sock_diag "
                    "netlink nor /proc/net/tcp is readable)"
                ) from None
            bar.advance(1)
    return tables


def run(args: argparse.Namespace) -> int:
    if args.files:
        if args.samples:
            raise UsageError("--samples is for live reading; several FILEs are already samples")
        if args.files.count("-") + (args.goroutines == "-") > 1:
            raise UsageError("standard input can be read only once")
        if args.no_netlink:
            raise UsageError("--no-netlink is for live reading")
        tables = [read_file(path, args.max_bytes) for path in args.files]
    else:
        if sys.platform != "linux":
            raise UsageError("live reading needs Linux; pass saved ss or netstat output as FILE")
        tables = take_samples(args)
    settings = Settings(
        idle_seconds=args.idle,
        slow_clients_min=args.slow_clients,
        stale_seconds=args.stale,
        time_wait_min=args.time_wait,
        close_wait_min=args.close_wait,
        port=args.port,
        pid=args.pid,
    )
    result = analyse(tables, settings)
    goroutines = None
    if args.goroutines:
        goroutines = join.join(result, _load_goroutines(args))
    if args.html:
        from pathlib import Path

        from gotriage.report.html.single import write_page

        write_page("sockets", result, Path(args.html))
    if args.format == "json":
        sockets_json.render(result, sys.stdout, goroutines)
    else:
        console = stdout_console(color=args.color)
        sockets_text.render(
            result, console, goroutines, limit=None if args.all else sockets_text.TOP
        )
    return _exit_code(result)


def _exit_code(result: SocketsAnalysis) -> int:
    return 1 if any(f.severity.rank >= Severity.MEDIUM.rank for f in result.findings) else 0


def _load_goroutines(args: argparse.Namespace):
    # The goroutines command's own loader: the same formats, leak profile and limits.
    from gotriage.cli.goroutines import load
    from gotriage.goroutines.source import SourceLookup
    from gotriage.goroutines.suspects import Settings as GoroutineSettings

    return load(
        args.goroutines,
        GoroutineSettings(),
        SourceLookup(()),
        timeout=args.timeout,
        quiet=args.quiet,
        max_bytes=args.max_bytes,
    )
