"""`gotriage watch TARGET...`: poll live services, keep the history, alert on growing sites."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path
from types import FrameType

from gotriage.cli.goroutines import settings_from
from gotriage.cli.options import add_config_options, duration, rate, seconds, size, whole
from gotriage.errors import UsageError
from gotriage.report import watch_text
from gotriage.report.console import stderr_console, stdout_console
from gotriage.units import format_duration
from gotriage.watch.alerts import Sender
from gotriage.watch.rules import alert_rules
from gotriage.watch.store import Store
from gotriage.watch.targets import Target, TargetFiles, merge, normalise
from gotriage.watch.trend import TrendSettings
from gotriage.watch.watcher import Event, Watcher, WatchSettings

DEFAULTS = WatchSettings()
TREND = TrendSettings()

DESCRIPTION = """\
Poll running Go services' /debug/pprof/ endpoints, keep every sample in an SQLite file, name
each goroutine site that keeps growing while it grows, and expose it all to Prometheus.

Every --interval each target's goroutine profile is fetched in protobuf (debug=0: cheap, counts
per stack) and read by the same analysis as `gotriage goroutines` (sites, kinds, by-design
recognition, --ignore patterns and [goroutines] settings). A full dump (debug=2: wait reasons,
durations, creators, goroutine ids; the runtime stops the world while it prints it) is taken
every --full-every intervals or when a site grows, never more often than the target can afford.
A site alerts when it grows steadily over --window (a robust trend that ignores noise and bursts
that drain); restarts of a target start a new series; by-design goroutines never alert. Alerts
print as they happen, are stored, and go to Alertmanager or a webhook when asked.

Runs until interrupted (Ctrl-C or SIGTERM finish the sample in flight and close the database),
or for --duration."""

EPILOG = """\
exit codes:
  0  the watch ran and ended (interrupted, or --duration elapsed)
  2  usage error, unreadable discovery file, or a database that cannot be written

examples:
  gotriage watch http://127.0.0.1:6060/debug/pprof/ --db watch.sqlite
  gotriage watch --targets /etc/prometheus/pprof-targets.json --db /var/lib/gotriage/fleet.db \\
      --metrics-listen 127.0.0.1:9465 --alertmanager http://127.0.0.1:9093
  gotriage watch --print-alert-rules --window 30m > gotriage-rules.yml
  gotriage history watch.sqlite"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch",
        help="poll live services, keep history in SQLite, alert on growing goroutine sites",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="a /debug/pprof/ base URL (host:port alone means http://host:port/debug/pprof/)",
    )
    p.add_argument(
        "--targets",
        dest="target_files",
        action="append",
        default=[],
        metavar="FILE",
        help="a Prometheus file_sd discovery file (JSON or YAML: targets and labels); re-read "
        "when it changes; repeatable",
    )
    p.add_argument("--db", metavar="FILE", help="the SQLite history file (created if missing)")
    p.add_argument(
        "--interval",
        type=duration,
        default=DEFAULTS.interval,
        metavar="DURATION",
        help=f"time between samples of a target (default {format_duration(DEFAULTS.interval)})",
    )
    p.add_argument(
        "--full-every",
        type=whole,
        default=DEFAULTS.full_every,
        metavar="N",
        help=f"take a full debug=2 dump every N intervals (default {DEFAULTS.full_every})",
    )
    p.add_argument(
        "--window",
        type=duration,
        default=TREND.window_seconds,
        metavar="DURATION",
        help="the trend window a site must grow over "
        f"(default {format_duration(TREND.window_seconds)})",
    )
    p.add_argument(
        "--min-increase",
        type=whole,
        default=TREND.min_increase,
        metavar="N",
        help=f"goroutines a site must gain over the window (default {TREND.min_increase})",
    )
    p.add_argument(
        "--min-rate",
        type=rate,
        default=TREND.min_rate_per_hour,
        metavar="PER_HOUR",
        help="growth rate a site must exceed, in goroutines per hour (default 0)",
    )
    p.add_argument(
        "--min-points",
        type=whole,
        default=TREND.min_points,
        metavar="N",
        help=f"samples in the window before a site is judged (default {TREND.min_points})",
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULTS.timeout,
        metavar="DURATION",
        help=f"bound on each fetch as a whole (default {format_duration(DEFAULTS.timeout)})",
    )
    p.add_argument(
        "--max-bytes",
        type=size,
        default=DEFAULTS.max_bytes,
        metavar="SIZE",
        help="largest profile read from a target (default 64MiB)",
    )
    p.add_argument(
        "--retention",
        type=duration,
        default=DEFAULTS.retention,
        metavar="DURATION",
        help="drop samples older than this; samples older than a day are thinned to one per "
        f"10 minutes first (default {format_duration(DEFAULTS.retention)})",
    )
    p.add_argument(
        "--duration",
        type=duration,
        default=None,
        metavar="DURATION",
        help="stop after this long (default: run until interrupted)",
    )
    p.add_argument(
        "--metrics-listen",
        metavar="HOST:PORT",
        help="serve Prometheus metrics on /metrics at this address (port 0 picks one)",
    )
    p.add_argument(
        "--metrics-top-sites",
        type=whole,
        default=20,
        metavar="N",
        help='per target, sites exported one by one; the rest are summed as site="other" '
        "(default 20)",
    )
    p.add_argument("--alertmanager", metavar="URL", help="post alerts to Alertmanager's v2 API")
    p.add_argument("--webhook", metavar="URL", help="post each alert as JSON to this URL")
    p.add_argument(
        "--print-alert-rules",
        action="store_true",
        help="print Prometheus alerting rules for the same growth detection, then exit",
    )
    p.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="how alerts print as they happen: one line of text, or one JSON object, each",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATTERN",
        help="treat goroutines blocked in functions matching PATTERN (a trailing * matches a "
        "prefix) as by design; adds to the [goroutines] ignore setting",
    )
    add_config_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no start and stop lines")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    # The goroutines analysis' own thresholds come from [goroutines] settings only: the
    # watch judges growth itself, over its window.
    p.set_defaults(
        func=run,
        min_count=None,
        long_wait=None,
        min_confidence=None,
        growth_min=None,
        growth_rate=None,
        slow_clients=None,
    )


def _trend(args: argparse.Namespace) -> TrendSettings:
    return TrendSettings(
        window_seconds=args.window,
        min_points=args.min_points,
        min_increase=args.min_increase,
        min_rate_per_hour=args.min_rate,
    )


def _check_url(option: str, url: str | None) -> None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise UsageError(f"{option} {url}: expected an http:// or https:// URL")


def run(args: argparse.Namespace) -> int:
    if args.print_alert_rules:
        stdout_console().file.write(alert_rules(_trend(args)))
        return 0
    if not args.targets and not args.target_files:
        raise UsageError("name at least one TARGET or --targets FILE")
    if not args.db:
        raise UsageError("--db FILE is required: every sample is kept there")
    _check_url("--alertmanager", args.alertmanager)
    _check_url("--webhook", args.webhook)
    goroutine_settings, _config = settings_from(args)
    settings = WatchSettings(
        interval=args.interval,
        full_every=args.full_every,
        timeout=args.timeout,
        max_bytes=args.max_bytes,
        retention=args.retention,
        trend=_trend(args),
        goroutines=goroutine_settings,
    )
    files = TargetFiles([Path(f) for f in args.target_files])
    listed = [Target(normalise(t)) for t in args.targets]
    found, _ = files.load(strict=True)
    console = stdout_console(color=args.color)
    notes = stderr_console()
    senders = []
    if args.alertmanager:
        senders.append(Sender(args.alertmanager, "alertmanager"))
    if args.webhook:
        senders.append(Sender(args.webhook, "webhook"))

    def on_event(event: Event) -> None:
        watch_text.render_event(event, console, jsonl=args.format == "jsonl")

    store = Store(args.db)
    watcher = Watcher(store, settings, on_event=on_event, senders=senders)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    server = None
    try:
        watcher.set_targets(merge([*listed, *found]))
        if args.metrics_listen:
            from gotriage.watch.exporter import serve

            server, address = serve(watcher, args.metrics_listen, args.metrics_top_sites)
            if not args.quiet:
                notes.print(f"metrics on http://{address}/metrics")
        if not args.quiet:
            notes.print(
                f"watching {len(watcher.states)} target(s) every "
                f"{format_duration(args.interval)} into {args.db}"
            )
        deadline = time.monotonic() + args.duration if args.duration else None
        while not stop.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                break
            if files.paths:
                found, problems = files.load(strict=False)
                for problem in problems:
                    notes.print(f"gotriage watch: {problem}")
                watcher.set_targets(merge([*listed, *found]))
            watcher.round()
            waits = [s.next_attempt - time.monotonic() for s in watcher.states.values()]
            wait = max(0.05, min(waits, default=args.interval))
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - time.monotonic()))
            stop.wait(wait)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if server is not None:
            server.shutdown()  # type: ignore[attr-defined]
        watcher.close()
        store.close()
    if not args.quiet:
        notes.print(f"stopped after {watcher.rounds} round(s); history kept in {args.db}")
    return 0
