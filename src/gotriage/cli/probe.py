"""`gotriage probe URL`: measure a live HTTP/1.1 server's timeouts and limits, black-box."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TypeVar

from gotriage.cli.options import request_path
from gotriage.errors import UsageError
from gotriage.probe.model import ProbeOptions, ProbeReport, Verdict
from gotriage.probe.requirements import parse_requirement
from gotriage.probe.runner import probe, select
from gotriage.probe.verdicts import ORDER
from gotriage.report import probe_json, probe_text
from gotriage.report.console import stdout_console
from gotriage.report.progress import progress
from gotriage.units import format_duration, format_size, parse_duration, parse_size

N = TypeVar("N", int, float)
DEFAULTS = ProbeOptions(url="")

DESCRIPTION = """\
Measure what a running HTTP/1.1 server actually does to slow, idle and oversized clients:
header, body, idle and write timeouts, the largest header and body it accepts, and how many
half-sent requests it holds at once. Each value comes with its precision, a verdict against
recommended values and the Go http.Server field that fixes it. Measurements run concurrently;
the whole probe takes little more than the longest timeout measured, at most --max-wait (+5 s).
A plain GET every 0.5 s checks the server is still answering: a measurement during which it
answered nothing is "inconclusive", not "no timeout".

Probing anything but a loopback address needs --confirm-owned: a slow-client probe against a
server you do not run is an attack."""

EPILOG = f"""\
measurements: {", ".join(ORDER)}

exit codes:
  0  all --require conditions met; without --require, no verdict is "bad", "error" or
     "inconclusive"
  1  a --require condition is not met; without --require, a verdict is "bad", "error" or
     "inconclusive" (the server stopped answering while it was measured)
  2  usage error, refused target, or target unreachable

examples:
  gotriage probe http://127.0.0.1:8080/
  gotriage probe https://localhost:8443/healthz --insecure --body-path /upload --max-wait 60s
  gotriage probe http://127.0.0.1:8080/ --only header-timeout,idle-timeout \\
      --require 'header-timeout<=10s' --require 'idle-timeout<=2m'"""


def _positive(parse: Callable[[str], N]) -> Callable[[str], N]:
    """An argparse type: ``parse``'s value, which must be more than 0."""

    def convert(text: str) -> N:
        try:
            value = parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if value <= 0:
            raise argparse.ArgumentTypeError("must be more than 0")
        return value

    return convert


_duration = _positive(parse_duration)
_size = _positive(parse_size)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 10000:
        raise argparse.ArgumentTypeError("must be between 1 and 10000")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "probe",
        help="measure a live HTTP/1.1 server's timeouts and limits",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", metavar="URL", help="http:// or https:// URL; its path is probed")
    parser.add_argument(
        "--body-path",
        type=request_path,
        default=None,
        metavar="PATH",
        help="an endpoint that reads a POST body: enables body-timeout and max-body",
    )
    parser.add_argument(
        "--slow-path",
        type=request_path,
        default=None,
        metavar="PATH",
        help="an endpoint that takes longer than the write deadline: enables write-timeout",
    )
    parser.add_argument(
        "--large-path",
        type=request_path,
        default=None,
        metavar="PATH",
        help="an endpoint with a large response (16 MiB or more): enables stalled-reader",
    )
    parser.add_argument(
        "--max-wait",
        type=_duration,
        default=DEFAULTS.max_wait,
        metavar="DURATION",
        help="longest wait for any timeout; longer is reported as 'none within' "
        f"(default {format_duration(DEFAULTS.max_wait)})",
    )
    parser.add_argument(
        "--max-body",
        type=_size,
        default=DEFAULTS.max_body,
        metavar="SIZE",
        help=f"largest body tried (default {format_size(DEFAULTS.max_body)})",
    )
    parser.add_argument(
        "--max-header",
        type=_size,
        default=DEFAULTS.max_header,
        metavar="SIZE",
        help=f"largest request head tried (default {format_size(DEFAULTS.max_header)})",
    )
    parser.add_argument(
        "--max-connections",
        type=_count,
        default=DEFAULTS.max_connections,
        metavar="N",
        help=f"most slow connections opened at once (default {DEFAULTS.max_connections})",
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="NAMES",
        help="comma-separated measurements to run (default: all)",
    )
    parser.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="COND",
        help="a condition such as 'header-timeout<=10s' or 'max-header<=1MiB' (repeatable); "
        "exit 1 when one is not met",
    )
    parser.add_argument(
        "--insecure", action="store_true", help="accept any TLS certificate (self-signed)"
    )
    parser.add_argument(
        "--confirm-owned",
        action="store_true",
        help="allow a non-loopback target: you own the server and accept the load",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text"
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar (there is none off a terminal or with --format json)",
    )
    parser.set_defaults(func=run)


def exit_code(report: ProbeReport) -> int:
    if report.requirements:
        return 0 if all(r.met for r in report.requirements) else 1
    failing = {Verdict.BAD, Verdict.ERROR, Verdict.INCONCLUSIVE}
    return 1 if any(m.verdict in failing for m in report.measurements) else 0


def options_from(args: argparse.Namespace) -> ProbeOptions:
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    return ProbeOptions(
        url=args.url,
        max_wait=args.max_wait,
        body_path=args.body_path or "",
        slow_path=args.slow_path or "",
        large_path=args.large_path or "",
        max_body=args.max_body,
        max_header=args.max_header,
        max_connections=args.max_connections,
        insecure=args.insecure,
        only=only,
    )


def run(args: argparse.Namespace) -> int:
    options = options_from(args)
    count = len(select(options.only))
    requirements = [parse_requirement(text) for text in args.require]
    if len(set(requirements)) != len(requirements):
        raise UsageError("the same --require is given twice")
    with progress("probing", count, quiet=args.quiet or args.format == "json") as bar:
        report = asyncio.run(
            probe(
                options,
                confirm_owned=args.confirm_owned,
                requirements=requirements,
                on_done=lambda _name: bar.advance(),
            )
        )
    code = exit_code(report)
    if args.format == "json":
        probe_json.render(report, code, sys.stdout)
    else:
        probe_text.render(report, code, stdout_console(color=args.color))
    return code
