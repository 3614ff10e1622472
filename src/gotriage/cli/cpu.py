"""`gotriage cpu SOURCE...`: where the CPU went, and why."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from gotriage.cli.options import add_config_options, config_path, seconds, size
from gotriage.config import section
from gotriage.cpu.analyse import analyse
from gotriage.cpu.sources import Loaded, load
from gotriage.cpu.verdicts import Thresholds
from gotriage.errors import InputError, UsageError

# The quick requests' timeout, as gotriage.fetch.READ_TIMEOUT (not imported: it pulls in httpx,
# which only a URL needs).
TIMEOUT = 60.0
MAX_BYTES = 2 << 30

DESCRIPTION = """\
Say where a Go program's CPU time went, by category (your code, GC, allocation, scheduler,
network, system calls, locks, the rest of the runtime), and why: verdicts with the numbers
behind them and the fix.

Each SOURCE is told by its content:
  a CPU profile            pprof protobuf, gzipped or not (curl -o cpu.pb.gz .../profile?seconds=30)
  a live /debug/pprof/ URL profile?seconds=N is fetched (and trace?seconds=N with --trace), with
                           the goroutine count before and after
  a log                    a service's stderr with GODEBUG=schedtrace=1000 (and scheddetail=1)
                           and/or gctrace=1 lines, among any other lines
  an execution trace       runtime/trace or /debug/pprof/trace output, read with the Go
                           toolchain's 'go tool trace' (pip install 'gotriage[go]')
"""

EPILOG = """\
examples:
  gotriage cpu cpu.pb.gz
  gotriage cpu http://127.0.0.1:6060/debug/pprof/ --seconds 5 --trace
  GODEBUG=schedtrace=1000,gctrace=1 ./service 2> stderr.log; gotriage cpu stderr.log
  gotriage cpu cpu.pb.gz stderr.log trace.out      # all the evidence at once
  gotriage cpu after.pb.gz --base before.pb.gz      # what grew, in points
  gotriage cpu cpu.pb.gz --format json | jq '.verdicts[].id'

thresholds: the [cpu] table of .gotriage.toml (or [tool.gotriage.cpu] of pyproject.toml), e.g.
  [cpu]
  gc-percent = 30
  network-percent = 50

exit codes: 0 no verdict of medium or worse, 1 a verdict of medium or worse, 2 usage or input error.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "cpu",
        help="say where the CPU went (GC, scheduler, network, your code) and why",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "sources",
        metavar="SOURCE",
        nargs="+",
        help="CPU profile, log, execution trace, '-' for stdin, or a /debug/pprof/ URL",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="terminal report or JSON"
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write a self-contained HTML report to FILE (charts, no script)",
    )
    parser.add_argument(
        "--seconds",
        type=_whole_seconds,
        default=10,
        metavar="N",
        help="URL: how long to profile (and trace) the live program (default 10)",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="URL: also record an execution trace over the same seconds (needs the Go toolchain)",
    )
    parser.add_argument(
        "--base", metavar="OLD", help="an earlier CPU profile (file or URL): what grew, in points"
    )
    add_config_options(parser)
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=TIMEOUT,
        metavar="SECONDS",
        help="URL: timeout of each quick request (the profile's own timeout is N + 30 s); "
        "files: the longest a 'go tool trace' run may take "
        f"(default {TIMEOUT:.0f})",
    )
    parser.add_argument(
        "--max-bytes",
        type=size,
        default=MAX_BYTES,
        metavar="SIZE",
        help="refuse inputs larger than this, e.g. 500M (default 2G; profiles 256M)",
    )
    parser.add_argument(
        "--confirm-owned",
        action="store_true",
        help="allow a non-loopback URL: you own the service and accept the profiling cost",
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress")
    parser.set_defaults(func=run)


def _whole_seconds(text: str) -> int:
    """Go's pprof handlers read ``seconds`` as a whole number (anything else means 30)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be from 1 to 3600")
    return value


class _Silent:
    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, total: float | None = None, description: str | None = None) -> None:
        pass


def thresholds_from(args: argparse.Namespace) -> tuple[Thresholds, Path | None]:
    """The [cpu] settings over the defaults; a wrong type or a negative value is an error."""
    path = config_path(args)
    if path is None:
        return Thresholds(), None
    values: dict[str, Any] = section(path, "cpu", Thresholds.keys())
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(
                f"{key.replace('_', '-')} must be a number of 0 or more", source=str(path)
            )
    return Thresholds(**{k: float(v) for k, v in values.items()}), path


def run(args: argparse.Namespace) -> int:
    thresholds, config = thresholds_from(args)
    if args.sources.count("-") + (args.base == "-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    options: dict[str, Any] = {
        "max_bytes": args.max_bytes,
        "seconds": args.seconds,
        "trace": args.trace,
        "timeout": args.timeout,
        "confirm_owned": args.confirm_owned,
        "trace_timeout": max(args.timeout, 120.0),
    }
    loaded: list[Loaded] = []
    # rich is imported only for a progress bar or a text report: JSON for scripts starts fast.
    if args.quiet or not sys.stderr.isatty():
        bars: Any = contextlib.nullcontext(_Silent())
    else:
        from gotriage.report.progress import progress

        bars = progress("reading sources", len(args.sources))
    with bars as bar:

        def capturing(url: str) -> None:
            what = "profile and trace" if args.trace else "profile"
            bar.update(description=f"capturing the {what} for {args.seconds:g} s")

        for source in args.sources:
            loaded.append(load(source, on_capture=capturing, **options))
            bar.update(description="reading sources")
            bar.advance()
        base = load(args.base, **{**options, "trace": False}) if args.base else None
    analysis = analyse(loaded, thresholds, base=base)
    analysis.config = str(config) if config is not None else None
    if args.html:
        from pathlib import Path

        from gotriage.report.html.single import write_page

        write_page("cpu", analysis, Path(args.html))
    if args.format == "json":
        from gotriage.report import cpu_json

        cpu_json.render(analysis, sys.stdout)
    else:
        from gotriage.report import cpu_text
        from gotriage.report.console import stdout_console

        cpu_text.render(analysis, stdout_console(color=args.color))
    return analysis.exit_code
