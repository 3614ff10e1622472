"""`gotriage history DB`: what a watch saw: targets, growing sites, alerts, restarts."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

from gotriage.report import history_json, history_text
from gotriage.report.console import stdout_console
from gotriage.units import parse_duration
from gotriage.watch.history import read_history
from gotriage.watch.store import Store

DESCRIPTION = """\
Read the SQLite file a `gotriage watch` wrote (also while it is being written): every target
with its samples, errors and restarts; every site with a sparkline of its goroutine count over
time (growing sites first, by-design sites last); every alert, past and open."""

EPILOG = """\
exit codes:
  0  no alert is open
  1  an alert is open (a site is growing now)
  2  usage error, or a file that is not a watch history

examples:
  gotriage history watch.sqlite
  gotriage history watch.sqlite --since 6h --site main.go
  gotriage history watch.sqlite --format json | jq '.alerts[] | select(.ended == null)'"""


def _since(text: str) -> float:
    try:
        return time.time() - parse_duration(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a duration (6h, 30m) or an ISO time (2026-12-01T10:00:00Z): {text!r}"
        ) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "history",
        help="show what a watch recorded: sites over time, alerts, restarts",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("db", metavar="DB", help="the SQLite file given to gotriage watch --db")
    p.add_argument("--target", metavar="TEXT", help="only targets whose URL contains TEXT")
    p.add_argument(
        "--since", type=_since, metavar="WHEN", help="only what happened since (6h or ISO time)"
    )
    p.add_argument("--site", metavar="TEXT", help="only sites whose place or function has TEXT")
    p.add_argument("--no-by-design", action="store_true", help="leave by-design sites out")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--html",
        metavar="FILE",
        help="also write a self-contained HTML report to FILE (charts, no script)",
    )
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = Store(args.db, readonly=True)
    try:
        history = read_history(
            store,
            target=args.target,
            since=args.since,
            site=args.site,
            include_by_design=not args.no_by_design,
        )
    finally:
        store.close()
    if args.html:
        from pathlib import Path

        from gotriage.report.html.single import write_page

        write_page("history", history, Path(args.html))
    if args.format == "json":
        history_json.render(history, sys.stdout)
    else:
        history_text.render(history, stdout_console(color=args.color))
    return 1 if history.open_alerts else 0
