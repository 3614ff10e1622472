"""The ``gotriage`` command: one subcommand per module in this package.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to the function that runs it and returns the exit code. A command's module (and what it
imports: tree-sitter, httpx, rich...) is imported only when it is needed: ``gotriage cpu ...``
imports the cpu command alone, ``gotriage --help`` every one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from gotriage import __version__
from gotriage.errors import GotriageError
from gotriage.report.console import ReportWriteError, guarded_stdout

#: The modules of gotriage.cli that are commands, in the order --help lists them.
SUBCOMMANDS = (
    "goroutines",
    "audit",
    "probe",
    "cpu",
    "sockets",
    "watch",
    "history",
    "reproduce",
    "doctor",
    "demo",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or with ``only`` of that command alone."""
    parser = argparse.ArgumentParser(
        prog="gotriage",
        description=(
            "Find, prove and explain why a Go service burns CPU and memory: net/http servers and "
            "clients left on unsafe defaults, and goroutines that block forever."
        ),
        epilog=(
            "exit codes: 0 nothing found, 1 problems found, 2 usage or input error.\n"
            "Run 'gotriage COMMAND --help' for the options of each command."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gotriage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        if only is None or name == only:
            importlib.import_module(f"gotriage.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with guarded_stdout():
            return _main(argv)
    except ReportWriteError as exc:  # help or usage text that could not be written
        print(f"gotriage: error: {exc}", file=sys.stderr)
        return exc.exit_code


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((word for word in words if not word.startswith("-")), None)
    parser = build_parser(only=first if first in SUBCOMMANDS else None)
    try:
        args = parser.parse_args(words)
    except SystemExit:
        sys.stdout.flush()  # --help and --version text is written before the exit
        raise
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # the end of the report is part of it: a full disk fails here
        return code
    except GotriageError as exc:
        print(f"gotriage {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gotriage: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``| head``); nothing more to say.
        sys.stderr.close()
        return 0
