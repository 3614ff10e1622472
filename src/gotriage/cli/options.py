"""Option types and the settings-file lookup that commands share."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from gotriage.config import find_config
from gotriage.errors import UsageError
from gotriage.units import parse_duration, parse_size


def size(text: str) -> int:
    """``--max-bytes`` and the like: ``500M``, ``4G``, ``4096``; more than 0."""
    try:
        value = parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def whole(text: str) -> int:
    """A count: a whole number of 1 or more, in ASCII digits."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def rate(text: str) -> float:
    """A finite number of 0 or more (a rate, a threshold)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError("must be a finite number of 0 or more")
    return value


def _more_than_zero(parse: Callable[[str], float], text: str) -> float:
    try:
        value = parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def duration(text: str) -> float:
    """``500ms``, ``30s``, ``1m30s`` or seconds; finite and more than 0."""
    return _more_than_zero(parse_duration, text)


def seconds(text: str) -> float:
    """``--timeout``: a duration the fetching module accepts as a whole-request deadline."""
    from gotriage import fetch  # httpx is imported only by the commands that fetch

    try:
        return fetch.parse_timeout(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def request_path(text: str) -> str:
    """``--body-path /upload?x=1`` and the like: a path, percent-encoded as a browser does what a
    request line cannot carry (``/a b``, ``/€uro``)."""
    from gotriage.probe.target import encode_path

    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"must be a path starting with '/': {text!r}")
    return encode_path(text)


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """``--config FILE`` and ``--no-config``, read by :func:`config_path`."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="settings file (default: the nearest .gotriage.toml, or pyproject.toml with "
        "[tool.gotriage], from the current directory upwards)",
    )
    parser.add_argument("--no-config", action="store_true", help="ignore settings files")


def config_path(args: argparse.Namespace) -> Path | None:
    """``--config FILE``, nothing with ``--no-config``, else the nearest settings file."""
    if args.no_config:
        return None
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise UsageError(f"--config {args.config}: no such file")
        return path
    return find_config(Path.cwd())
