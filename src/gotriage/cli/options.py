"""Option types and the settings-file lookup that commands share."""

from __future__ import annotations

import argparse
from pathlib import Path

from gotriage.config import find_config
from gotriage.errors import UsageError
from gotriage.units import parse_size


def size(text: str) -> int:
    """``--max-bytes`` and the like: ``500M``, ``4G``, ``4096``; more than 0."""
    try:
        value = parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


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
