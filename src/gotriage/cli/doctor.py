"""`gotriage doctor`: every kind of evidence a service offers, one diagnosis per problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gotriage.cli.options import seconds, whole

DESCRIPTION = """\
Gather every kind of evidence a Go service offers, run gotriage's analyses on it, and join
their findings into diagnoses, each confirmed (or contradicted) from several sides, with the
fix and how to verify it.

Whatever is given is used and what is missing is said:
  --url URL        the service itself: its timeouts and limits are probed
  --pprof URL      /debug/pprof/: two goroutine dumps (growth), the leak profile, a CPU profile
  --source DIR     its Go source: the audit, and source lines around each blocking site
  --pid P / --port N   its sockets, sampled twice (the port of a loopback --url by default)
  FILE...          dumps, profiles, traces, GODEBUG logs, ss/netstat tables, a watch database,
                   each recognised by its content

Live evidence is collected concurrently and the run never takes longer than --budget.
"""

EPILOG = """\
examples:
  gotriage doctor --url http://127.0.0.1:8080/ --pprof http://127.0.0.1:6060/debug/pprof/ \\
      --source . --port 8080
  gotriage doctor dump.txt cpu.pprof ss.txt --format markdown >> "$GITHUB_STEP_SUMMARY"
  gotriage doctor --pprof http://127.0.0.1:6060/ --html report.html

exit codes: 0 no diagnosis of medium or worse, 1 one holds, 2 usage or input error.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "doctor",
        help="gather all evidence of a service and say what is wrong, with the fix",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="saved evidence, any kind")
    parser.add_argument("--url", metavar="URL", help="the service's HTTP address, to probe")
    parser.add_argument("--pprof", metavar="URL", help="the service's /debug/pprof/ address")
    parser.add_argument("--source", metavar="DIR", help="the service's Go source tree")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pid", type=whole, metavar="P", help="the service's process id")
    where.add_argument("--port", type=whole, metavar="N", help="the service's listening port")
    parser.add_argument(
        "--budget",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="the whole run takes at most this long (default 60); the probe, the CPU profile "
        "and the time between the two goroutine dumps are sized to fit",
    )
    parser.add_argument(
        "--idle",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="sockets: a server connection silent this long is held by a slow client (default 30)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="terminal report (default), JSON (schema gotriage.doctor/1) or Markdown",
    )
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    parser.add_argument(
        "--confirm-owned",
        action="store_true",
        help="profile a non-loopback --pprof address (profiling costs the service CPU)",
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gotriage.doctor.gather import Inputs, gather
    from gotriage.doctor.join import diagnose, file_context

    inputs = Inputs(
        url=args.url,
        pprof=args.pprof,
        source=args.source,
        pid=args.pid,
        port=args.port,
        files=list(args.files),
        budget=args.budget,
        idle_seconds=args.idle,
        confirm_owned=args.confirm_owned,
    )
    from gotriage.report.progress import progress

    with progress(f"gathering (at most {args.budget:g} s)", None, quiet=args.quiet) as bar:
        gathered = gather(
            inputs,
            on_start=lambda n: bar.update(total=n),
            on_done=lambda side: bar.advance(1),
        )
    roots = (Path(args.source),) if args.source else ()
    result = diagnose(gathered, file_context(roots))
    if args.html:
        from gotriage.report.html import doctor as html_doctor

        html_doctor.write_report(result, Path(args.html))
    if args.format == "json":
        from gotriage.report import doctor_json

        doctor_json.render(result, sys.stdout)
    elif args.format == "markdown":
        from gotriage.report import doctor_markdown

        doctor_markdown.render(result, sys.stdout)
    else:
        from gotriage.report import doctor_text
        from gotriage.report.console import stdout_console

        doctor_text.render(result, stdout_console(color=args.color))
    return result.exit_code
