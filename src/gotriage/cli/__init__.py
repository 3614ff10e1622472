"""The ``gotriage`` command: one subcommand per module in this package.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to the function that runs it and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gotriage import __version__
from gotriage.cli import audit, demo, goroutines, history, probe, reproduce, watch
from gotriage.errors import GotriageError

SUBCOMMANDS = (goroutines, audit, probe, reproduce, watch, history, demo)


def build_parser() -> argparse.ArgumentParser:
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
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
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
