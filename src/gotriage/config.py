"""Where gotriage's settings live: ``.gotriage.toml``, or ``[tool.gotriage]`` in pyproject.toml.

Each command reads its own table (``audit``, ``goroutines``) from the file found here. The only
module that reads configuration files.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from gotriage.errors import InputError

CONFIG_FILES = (".gotriage.toml", "pyproject.toml")


def find_config(start: Path) -> Path | None:
    """The nearest .gotriage.toml, or pyproject.toml with a [tool.gotriage] table, upwards."""
    directory = start if start.is_dir() else start.parent
    for candidate in (directory.resolve(), *directory.resolve().parents):
        for name in CONFIG_FILES:
            path = candidate / name
            if not path.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    data = tomllib.loads(path.read_text(encoding="utf-8"))
                except (OSError, tomllib.TOMLDecodeError):
                    continue
                if "gotriage" not in data.get("tool", {}):
                    continue
            return path
    return None


def read_table(path: Path) -> dict[str, Any]:
    """gotriage's table of a configuration file: the whole .gotriage.toml, or tool.gotriage."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read configuration: {exc.strerror}", source=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", source=str(path)) from exc
    table = data.get("tool", {}).get("gotriage", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise InputError("the gotriage settings must be a table", source=str(path))
    return table


def section(path: Path, name: str, keys: frozenset[str]) -> dict[str, Any]:
    """The ``[name]`` table of gotriage's settings in ``path``, keys with ``-`` as ``_``.

    Unknown keys are an error (a typo must not silently switch a setting off).
    """
    table = read_table(path).get(name, {})
    if not isinstance(table, dict):
        raise InputError(f"the {name} settings must be a table", source=str(path))
    settings = {key.replace("-", "_"): value for key, value in table.items()}
    unknown = sorted(set(settings) - keys)
    if unknown:
        raise InputError(f"unknown {name} setting {unknown[0]!r}", source=str(path))
    return settings
