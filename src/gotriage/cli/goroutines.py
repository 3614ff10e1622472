"""`gotriage goroutines SOURCE`: group a goroutine dump and name the leak suspects."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from gotriage import fetch
from gotriage.cli.options import (
    add_config_options,
    config_path,
    duration,
    rate,
    seconds,
    size,
    whole,
)
from gotriage.config import section
from gotriage.errors import InputError, UsageError
from gotriage.goroutines.analyse import Analysis, analyse, compare_with
from gotriage.goroutines.leak_profile import leaked_ids as runtime_leaked_ids
from gotriage.goroutines.load import DEFAULT_MAX_BYTES, iter_goroutines, read_source
from gotriage.goroutines.source import SourceLookup, kind_from_source
from gotriage.goroutines.source_evidence import SourceEvidence
from gotriage.goroutines.suspects import Settings
from gotriage.knowledge.wait_reasons import Kind
from gotriage.model import Confidence, Frame, ParseReport
from gotriage.report import goroutines_json, goroutines_text
from gotriage.report.console import stdout_console
from gotriage.report.progress import progress

DESCRIPTION = """\
Read a goroutine dump, group the goroutines by where they block in your code, and name the
leak suspects with the evidence behind each and how such leaks are fixed.

SOURCE is a file, '-' for standard input, or a live pprof URL such as
http://127.0.0.1:6060/debug/pprof/ (from a base URL both goroutine?debug=2 and, on Go 1.27+,
the runtime's goroutineleak profile are fetched and merged). The format is detected:
debug=2 text, panic/SIGQUIT/deadlock tracebacks inside a log, debug=1 text, or the gzipped
protobuf served at ?debug=0.
"""

EPILOG = """\
examples:
  gotriage goroutines dump.txt
  curl -s 'http://127.0.0.1:6060/debug/pprof/goroutine?debug=2' | gotriage goroutines -
  gotriage goroutines http://127.0.0.1:6060/debug/pprof/ --format json
  gotriage goroutines after.txt --base before.txt       # which groups grew: leak evidence
  gotriage goroutines URL --base before.txt --growth-min 5 --growth-rate 2
  gotriage goroutines crash.log --source-root ~/src/myservice

exit codes: 0 no suspects, 1 leak suspects found, 2 usage or input error.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "goroutines",
        help="find leaked goroutines in a dump and say where and why",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", metavar="SOURCE", help="dump file, '-' for stdin, or pprof URL")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="terminal report (default) or JSON for scripts (schema in the README)",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write a self-contained HTML report to FILE (charts, no script)",
    )
    parser.add_argument(
        "--base",
        metavar="OLD",
        help="an earlier dump of the same process (file, '-' or URL): report the groups that grew",
    )
    parser.add_argument(
        "--slow-clients",
        type=whole,
        metavar="N",
        help="connections of one server reading a request at once that are leak evidence: "
        "slow or silent clients (default 50)",
    )
    parser.add_argument(
        "--growth-min",
        type=whole,
        metavar="N",
        help="with --base: this many more goroutines at one site is leak evidence (default 3; "
        "for goroutines woken from outside, such as network I/O, at least --min-count)",
    )
    parser.add_argument(
        "--growth-rate",
        type=rate,
        metavar="PER_MINUTE",
        help="with --base: and at least this many more per minute, when the time between the "
        "snapshots is known (default 1)",
    )
    parser.add_argument(
        "--interval",
        type=duration,
        metavar="DURATION",
        help="with --base: the time between the two snapshots, e.g. 90s or 5m (default: the "
        "time between their fetches for URLs, between the files' modification times otherwise)",
    )
    parser.add_argument(
        "--source-root",
        metavar="DIR",
        action="append",
        default=[],
        help="where the Go source lives, to show blocking lines in context and run the audit's "
        "goroutine-leak rules (GT2xx) on them (repeatable; paths in the dump are tried first)",
    )
    parser.add_argument(
        "--min-count",
        type=whole,
        metavar="N",
        help="goroutines at one site that count as a crowd, the leak signal (default 10)",
    )
    parser.add_argument(
        "--long-wait",
        type=whole,
        metavar="MINUTES",
        help="a wait this long is leak evidence (default 10)",
    )
    parser.add_argument(
        "--min-confidence",
        choices=[c.value for c in Confidence],
        help="report suspects at this confidence or above (default medium)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATTERN",
        help="treat goroutines with a frame matching this glob (function name or file:line) "
        "as blocked by design, e.g. 'myapp/queue.(*Pool).worker' (repeatable; added to the "
        "configuration's)",
    )
    add_config_options(parser)
    parser.add_argument(
        "--all",
        action="store_true",
        help="every suspect in full and every group (default: 10 suspects in full, 20 groups)",
    )
    parser.add_argument(
        "--full-stack", action="store_true", help="JSON: every frame of each group's stack"
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=fetch.READ_TIMEOUT,
        metavar="SECONDS",
        help="time allowed for each URL fetch as a whole: connect, headers and body"
        f" (default {fetch.READ_TIMEOUT:.0f})",
    )
    parser.add_argument(
        "--max-bytes",
        type=size,
        default=DEFAULT_MAX_BYTES,
        metavar="SIZE",
        help="refuse inputs larger than this, e.g. 500M or 4G (default 2G)",
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _with_progress(chunks: Iterable[bytes], total: int | None, quiet: bool) -> Iterator[bytes]:
    with progress("reading dump", total, quiet=quiet, in_bytes=True) as bar:
        for chunk in chunks:
            bar.advance(len(chunk))
            yield chunk


def _captured_at(source: str) -> float:
    """When a snapshot was taken: now for URLs and stdin, the modification time for files."""
    if source != "-" and not fetch.is_url(source):
        try:
            return Path(source).stat().st_mtime
        except OSError:
            pass
    return time.time()


def _file_size(path: str) -> int | None:
    if path == "-":
        return None
    try:
        return Path(path).stat().st_size
    except OSError:
        return None


def load(
    source: str,
    settings: Settings,
    lookup: SourceLookup,
    *,
    timeout: float,
    quiet: bool,
    max_bytes: int = DEFAULT_MAX_BYTES,
    static: SourceEvidence | None = None,
) -> Analysis:
    report = ParseReport()
    leaked_ids: frozenset[int] = frozenset()
    leak_profile = "not available for a file (pass the live /debug/pprof/ URL to include it)"
    if fetch.is_url(source):
        leak_url, dump_url = fetch.profile_urls(source)
        if leak_url is not None:
            leaked_ids, leak_profile = runtime_leaked_ids(
                leak_url, timeout=timeout, max_bytes=max_bytes
            )
        else:
            leak_profile = "not requested (pass the /debug/pprof/ base URL to include it)"
        chunks: Iterable[bytes] = fetch.stream(dump_url, timeout=timeout, max_bytes=max_bytes)
    else:
        chunks = _with_progress(read_source(source, max_bytes=max_bytes), _file_size(source), quiet)

    def kind_hint(frame: Frame) -> Kind:
        text = lookup.line(frame.file, frame.line)
        return kind_from_source(text) if text else Kind.UNKNOWN

    goroutines = iter_goroutines(chunks, report, source=source)
    analysis = analyse(
        goroutines,
        report,
        source=source,
        settings=settings,
        leaked_ids=leaked_ids,
        kind_hint=kind_hint,
        static_evidence=static if static is not None else SourceEvidence(lookup),
    )
    analysis.captured_at = _captured_at(source)
    if report.format and report.format.value == "goroutineleak":
        leak_profile = "this input is the goroutineleak profile itself"
    analysis.leak_profile = leak_profile
    if analysis.grouping.total == 0:
        raise InputError("no goroutines found in this input", source=source)
    return analysis


CONFIG_KEYS = {
    "ignore": list,
    "min_count": int,
    "long_wait": int,
    "min_confidence": str,
    "growth_min": int,
    "growth_per_minute": float,
    "slow_clients": int,
}


def _whole(values: dict[str, object], key: str, path: Path) -> int | None:
    value = values.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise InputError(f"{key} must be a whole number of 1 or more", source=str(path))
    return value


def _number(values: dict[str, object], key: str, path: Path) -> float | None:
    value = values.get(key)
    if value is None:
        return None
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InputError(f"{key} must be a finite number of 0 or more", source=str(path))
    return float(value)


def _first(*values: float | None) -> float:
    return next(value for value in values if value is not None)


def settings_from(args: argparse.Namespace) -> tuple[Settings, Path | None]:
    """Command-line options over the [goroutines] table of the settings file over defaults."""
    defaults = Settings()
    path = config_path(args)
    values = section(path, "goroutines", CONFIG_KEYS) if path is not None else {}
    ignore = values.get("ignore", [])
    confidence = values.get("min_confidence", defaults.min_confidence.value)
    if path is not None:
        if not isinstance(ignore, list) or not all(isinstance(item, str) for item in ignore):
            raise InputError("ignore must be a list of patterns", source=str(path))
        if confidence not in {c.value for c in Confidence}:
            raise InputError("min_confidence must be low, medium or high", source=str(path))
        min_count, long_wait = _whole(values, "min_count", path), _whole(values, "long_wait", path)
        growth_min = _whole(values, "growth_min", path)
        slow_clients = _whole(values, "slow_clients", path)
        growth_rate = _number(values, "growth_per_minute", path)
    else:
        min_count = long_wait = growth_min = slow_clients = None
        growth_rate = None
    settings = Settings(
        min_count=args.min_count or min_count or defaults.min_count,
        long_wait_minutes=args.long_wait or long_wait or defaults.long_wait_minutes,
        ignore=(*ignore, *args.ignore),
        min_confidence=Confidence(args.min_confidence or confidence),
        growth_min=args.growth_min or growth_min or defaults.growth_min,
        slow_clients=args.slow_clients or slow_clients or defaults.slow_clients,
        growth_per_minute=_first(args.growth_rate, growth_rate, defaults.growth_per_minute),
    )
    return settings, path


def run(args: argparse.Namespace) -> int:
    settings, config = settings_from(args)
    if args.base is not None and args.base == args.source == "-":
        raise UsageError("SOURCE and --base cannot both be standard input")
    roots = tuple(Path(root) for root in args.source_root)
    for root in roots:
        if not root.is_dir():
            raise UsageError(f"--source-root {root}: not a directory")
    lookup = SourceLookup(roots)
    # One auditor for both snapshots: each source file is audited once.
    static = SourceEvidence(lookup)
    options = {"timeout": args.timeout, "quiet": args.quiet, "max_bytes": args.max_bytes}
    analysis = load(args.source, settings, lookup, static=static, **options)
    analysis.config = str(config) if config is not None else None
    if args.base is not None:
        base = load(args.base, settings, lookup, static=static, **options)
        minutes = args.interval / 60 if args.interval is not None else None
        if minutes is None and base.captured_at is not None and analysis.captured_at is not None:
            elapsed = analysis.captured_at - base.captured_at
            minutes = elapsed / 60 if elapsed > 0 else None
        compare_with(analysis, base, minutes)

    def context(frame: Frame) -> list[tuple[int, str]]:
        return lookup.context(frame.file, frame.line)

    if args.html:
        from gotriage.report.html.single import write_page

        write_page("goroutines", analysis, Path(args.html), context)
    if args.format == "json":
        goroutines_json.render(analysis, sys.stdout, context=context, full_stack=args.full_stack)
    else:
        console = stdout_console(color=args.color)
        goroutines_text.render(analysis, console, context=context, limit=None if args.all else 20)
    return 1 if analysis.suspects else 0
