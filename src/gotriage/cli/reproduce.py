"""`gotriage reproduce URL --scenario NAME`: replay a failure on purpose and measure the server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gotriage.cli.options import request_path
from gotriage.errors import InputError, UsageError
from gotriage.report import reproduce_json, reproduce_text
from gotriage.report.console import stdout_console
from gotriage.report.progress import progress
from gotriage.reproduce import plan as plans
from gotriage.reproduce import runner
from gotriage.reproduce.model import MAX_RUN_SECONDS, Plan, Run, Second, Thresholds
from gotriage.reproduce.scenarios import SCENARIOS
from gotriage.reproduce.verdicts import assess
from gotriage.units import format_duration, parse_duration

DEFAULTS = Plan(())
LIMITS = Thresholds()

DESCRIPTION = """\
Replay a failure on purpose against a server you run, and measure what it does to it. A run has
three phases: baseline (normal traffic only), scenario (the scenario's clients too), recovery
(the scenario's connections left open and silent, as clients that vanished). Throughout, normal
requests go out at a constant --rate and their latency is measured from when each was due
(corrected for coordinated omission, as wrk2 does). Once a second gotriage samples the server's
goroutines (--pprof), its CPU and threads (/proc, local servers) and the sockets of its port
(as gotriage sockets reads and judges them); in the scenario phase it takes a CPU profile and
gives its categories (as gotriage cpu does). The report gives each phase's figures and, per
scenario, a verdict with the evidence and the setting that stops it; --compare runs the same
scenario and seed against a second server (the fixed configuration) and shows both side by side.

Only 127.0.0.1 and ::1 unless --confirm-owned: these scenarios are attacks on anything you do
not run. Connection counts are capped, every socket is closed at the end, Ctrl-C stops at once
and prints what was measured, and a whole run is bounded to 10 minutes."""


def _scenario_lines() -> str:
    lines = []
    for name, module in SCENARIOS.items():
        lines.append(f"  {name:17} {module.SUMMARY}")
        params = ", ".join(
            f"{p.name}={p.default if p.default is not None else '(required)'}"
            for p in module.PARAMETERS
        )
        lines.append(f"  {'':17}   {params}")
    return "\n".join(lines)


EPILOG = f"""\
scenarios and their parameters (set with --set KEY=VALUE or in a --scenario-file):
{_scenario_lines()}

exit codes:
  0  the server held up: no threshold crossed
  1  the server degraded beyond a threshold (at URL or, with --compare, at URL2)
  2  usage error, refused target, or target unreachable
  130 interrupted (what was measured is printed first)

examples:
  gotriage reproduce http://127.0.0.1:8080/ --scenario slow-clients --clients 2000
  gotriage reproduce http://127.0.0.1:8080/ --scenario blocking-handler --slow-path /report \\
      --compare http://127.0.0.1:8081/
  gotriage reproduce http://127.0.0.1:8080/ --scenario-file ci/slowloris.toml --format json"""


def _checked(parse: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}")
        return value

    return convert


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"not a whole number: {text!r}") from None


def _percent(text: str) -> float:
    return float(text.rstrip("%")) / 100.0


_phase = _checked(parse_duration, 0, MAX_RUN_SECONDS)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "reproduce",
        help="replay a failure (slow clients, idle keep-alive, ...) and measure the server",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "url",
        metavar="URL",
        help="http:// or https:// URL of the server; its path gets the normal requests",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help=f"scenario to run (repeatable, or comma-separated): {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--scenario-file",
        metavar="FILE",
        help="TOML file fixing scenarios, parameters, phases and seed",
    )
    parser.add_argument(
        "--clients",
        type=_checked(_whole, 1, 20_000),
        metavar="N",
        help="connections (or requests in flight) of each connection scenario",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a scenario parameter, for every chosen scenario that has it (repeatable)",
    )
    parser.add_argument(
        "--body-path",
        type=request_path,
        metavar="PATH",
        help="slow-body: an endpoint that reads a POST body",
    )
    parser.add_argument(
        "--large-path",
        type=request_path,
        metavar="PATH",
        help="slow-readers: an endpoint with a large response",
    )
    parser.add_argument(
        "--slow-path", type=request_path, metavar="PATH", help="blocking-handler: a slow endpoint"
    )
    parser.add_argument(
        "--baseline",
        type=_phase,
        metavar="DURATION",
        help=f"baseline phase (default {format_duration(DEFAULTS.baseline)})",
    )
    parser.add_argument(
        "--duration",
        type=_phase,
        metavar="DURATION",
        help=f"scenario phase (default {format_duration(DEFAULTS.duration)})",
    )
    parser.add_argument(
        "--recovery",
        type=_phase,
        metavar="DURATION",
        help=f"recovery phase (default {format_duration(DEFAULTS.recovery)})",
    )
    parser.add_argument(
        "--rate",
        type=_checked(float, 0.1, plans.MAX_RATE),
        metavar="N",
        help=f"normal requests a second (default {DEFAULTS.rate:g})",
    )
    parser.add_argument(
        "--load-path",
        type=request_path,
        metavar="PATH",
        help="path of the normal requests (default: the URL's)",
    )
    parser.add_argument(
        "--load-connections",
        type=_checked(_whole, 1, plans.MAX_LOAD_CONNECTIONS),
        metavar="N",
        help=f"keep-alive connections of the normal load (default {DEFAULTS.load_connections})",
    )
    parser.add_argument(
        "--seed", type=_checked(_whole, 0, 2**63 - 1), metavar="N", help="seed (default 1)"
    )
    parser.add_argument(
        "--pprof",
        metavar="URL",
        help="the server's /debug/pprof/ (default: the URL's host and port)",
    )
    parser.add_argument(
        "--pid",
        type=_checked(_whole, 1, 2**31),
        metavar="PID",
        help="the server's process, for CPU and threads (default: the local process on the port)",
    )
    parser.add_argument(
        "--compare", metavar="URL2", help="run the same plan against a second server, side by side"
    )
    parser.add_argument("--compare-pprof", metavar="URL", help="URL2's /debug/pprof/")
    parser.add_argument(
        "--compare-pid", type=_checked(_whole, 1, 2**31), metavar="PID", help="URL2's process"
    )
    parser.add_argument(
        "--max-goroutines-left",
        type=_checked(_whole, 0, 10**9),
        default=LIMITS.goroutines_left,
        metavar="N",
        help="degraded when goroutines end the recovery more than N above baseline "
        f"(default {LIMITS.goroutines_left})",
    )
    parser.add_argument(
        "--max-p99-ratio",
        type=_checked(float, 1, 1e9),
        default=LIMITS.p99_ratio,
        metavar="X",
        help="degraded when the scenario's p99 is more than X times the baseline's "
        f"(default {LIMITS.p99_ratio:g}) ...",
    )
    parser.add_argument(
        "--min-p99-increase",
        type=_checked(parse_duration, 0, 3600),
        default=LIMITS.p99_increase,
        metavar="DURATION",
        help=f"... and more than this above it (default {format_duration(LIMITS.p99_increase)})",
    )
    parser.add_argument(
        "--max-error-rate",
        type=_checked(_percent, 0, 1),
        default=LIMITS.error_rate,
        metavar="PCT",
        help="degraded when more normal requests fail, in percent "
        f"(default {LIMITS.error_rate * 100:g}%%)",
    )
    parser.add_argument(
        "--max-time-wait",
        type=_checked(_whole, 0, 10**9),
        default=LIMITS.time_wait,
        metavar="N",
        help=f"connection-churn: degraded above N TIME-WAIT sockets (default {LIMITS.time_wait:,})",
    )
    parser.add_argument(
        "--confirm-owned",
        action="store_true",
        help="allow a non-loopback target: you own the server and accept the load",
    )
    parser.add_argument(
        "--insecure", action="store_true", help="https: accept any certificate (self-signed)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def plan_from(args: argparse.Namespace) -> Plan:
    from gotriage.probe.target import parse_url

    _, _, _, url_path = parse_url(args.url)
    if args.compare:
        parse_url(args.compare)
    names = [n.strip() for text in args.scenario for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise UsageError(
            f"--scenario: unknown scenario {unknown[0]!r} (one of {', '.join(SCENARIOS)})"
        )
    params: dict[str, Any] = {}
    for text in args.set:
        try:
            key, value = plans.parse_assignment(text)
        except ValueError as exc:
            raise UsageError(f"--set: {exc}") from None
        params[key] = value
    if args.clients is not None:
        params["clients"] = args.clients
    paths = {
        name: path
        for name, path in (
            ("slow-body", args.body_path),
            ("slow-readers", args.large_path),
            ("blocking-handler", args.slow_path),
        )
        if path
    }
    overrides = plans.Overrides(
        scenarios=names,
        settings={
            "baseline": args.baseline,
            "duration": args.duration,
            "recovery": args.recovery,
            "rate": args.rate,
            "load_path": args.load_path,
            "load_connections": args.load_connections,
            "seed": args.seed,
        },
        params=params,
        paths=paths,
    )
    text = None
    if args.scenario_file:
        try:
            text = Path(args.scenario_file).read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", source=args.scenario_file) from None
    return plans.build(
        url_path,
        overrides,
        file_text=text,
        source=args.scenario_file or "",
        runs=2 if args.compare else 1,
    )


def thresholds_from(args: argparse.Namespace) -> Thresholds:
    return Thresholds(
        goroutines_left=args.max_goroutines_left,
        p99_ratio=args.max_p99_ratio,
        p99_increase=args.min_p99_increase,
        error_rate=args.max_error_rate,
        time_wait=args.max_time_wait,
    )


async def run_all(
    targets: list[runner.Options], plan: Plan, on_second: Callable[[Second], None]
) -> tuple[list[Run], bool]:
    """Each target in turn; Ctrl-C (SIGINT) stops at once and keeps what was measured."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, stop.set)
    runs: list[Run] = []
    try:
        for options in targets:
            runs.append(await runner.run(options, plan, stop=stop, on_second=on_second))
            if stop.is_set():
                break
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
    return runs, stop.is_set()


def run(args: argparse.Namespace) -> int:
    plan = plan_from(args)
    limits = thresholds_from(args)
    targets = [
        runner.Options(args.url, args.pprof or "", args.pid, args.confirm_owned, args.insecure)
    ]
    if args.compare:
        targets.append(
            runner.Options(
                args.compare,
                args.compare_pprof or "",
                args.compare_pid,
                args.confirm_owned,
                args.insecure,
            )
        )
    seconds = (int(plan.total) + 1) * len(targets)
    quiet = args.quiet or args.format == "json"
    with progress("reproducing", seconds, quiet=quiet) as bar:
        runs, interrupted = asyncio.run(run_all(targets, plan, lambda _s: bar.advance()))
    for one in runs:
        one.verdicts = assess(one, limits)
    code = 130 if interrupted else (1 if any(r.degraded for r in runs) else 0)
    if args.format == "json":
        reproduce_json.render(runs, plan, limits, code, sys.stdout)
    else:
        reproduce_text.render(runs, plan, limits, code, stdout_console(color=args.color))
    return code
