"""Where gotriage's settings live: ``.gotriage.toml``, or ``[tool.gotriage]`` in pyproject.toml.

Each command reads its own table (``audit``, ``goroutines``) from the file found here. The only
module that reads configuration files. A settings file is input like any other: whatever it
holds (bytes that are not UTF-8, ``tool = 5``, a list where a string belongs, a key misspelt)
ends in one :class:`~gotriage.errors.InputError` that names the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gotriage.errors import InputError

CONFIG_FILES = (".gotriage.toml", "pyproject.toml")
# The commands that have a table of their own; any other table or key at the top of gotriage's
# settings is a mistake, except the audit settings, which may also sit there.
SECTIONS = frozenset({"audit", "cpu", "goroutines"})
MAX_CONFIG_BYTES = 1 << 20  # a settings file larger than this is not one

_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list of strings",
    dict: "a table",
}


def find_config(start: Path) -> Path | None:
    """The nearest .gotriage.toml, or pyproject.toml with a [tool.gotriage] table, upwards.

    A pyproject.toml that does not mention gotriage is passed over unread; one that does must
    be valid (a broken one that might hold the settings is an error, not a silent default)."""
    directory = start if start.is_dir() else start.parent
    for candidate in (directory.resolve(), *directory.resolve().parents):
        for name in CONFIG_FILES:
            path = candidate / name
            if not path.is_file():
                continue
            if name == "pyproject.toml":
                raw = _read(path)
                if b"gotriage" not in raw or "gotriage" not in _tool(path, _parse(path, raw)):
                    continue
            return path
    return None


def read_table(path: Path) -> dict[str, Any]:
    """gotriage's table of a configuration file: the whole .gotriage.toml, or tool.gotriage."""
    data = _parse(path, _read(path))
    if path.name != "pyproject.toml":
        return data
    table = _tool(path, data).get("gotriage", {})
    if not isinstance(table, dict):
        raise InputError(f"tool.gotriage must be a table, not {kind_of(table)}", source=str(path))
    return table


def section(path: Path, name: str, keys: Mapping[str, type] | frozenset[str]) -> dict[str, Any]:
    """The ``[name]`` table of gotriage's settings in ``path``, keys with ``-`` as ``_``.

    Unknown keys are an error (a typo must not silently switch a setting off). When ``keys``
    maps each key to its type (``str``, ``int``, ``float``, ``bool``, ``list`` of strings),
    a value of another type is an error too."""
    table = read_table(path).get(name, {})
    if not isinstance(table, dict):
        raise InputError(
            f"the {name} settings must be a table, not {kind_of(table)}", source=str(path)
        )
    settings = {key.replace("-", "_"): value for key, value in table.items()}
    unknown = sorted(set(settings) - set(keys))
    if unknown:
        raise InputError(f"unknown {name} setting {unknown[0]!r}", source=str(path))
    if isinstance(keys, Mapping):
        for key, value in table.items():
            check_type(path, f"[{name}] {key}", value, keys[key.replace("-", "_")])
    return settings


def check_type(path: Path | str, key: str, value: object, expected: type) -> None:
    """An InputError naming ``path`` and ``key`` unless ``value`` is of the ``expected`` type
    (``float`` takes integers too; ``list`` means a list of strings; a bool is no number)."""
    if expected is list:
        fits = isinstance(value, list) and all(isinstance(item, str) for item in value)
    elif expected is float:
        fits = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is int:
        fits = isinstance(value, int) and not isinstance(value, bool)
    else:
        fits = isinstance(value, expected)
    if not fits:
        raise InputError(
            f"{key} must be {_TYPE_NAMES.get(expected, expected.__name__)}, not {kind_of(value)}",
            source=str(path),
        )


def kind_of(value: object) -> str:
    """What a TOML value is, in words: ``a string``, ``a list``, ``true or false``."""
    if isinstance(value, list):
        return "a list"
    for python_type in (bool, str, int, float, dict):
        if isinstance(value, python_type):
            return _TYPE_NAMES[python_type]
    return "a date or time"


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"cannot read configuration: {exc.strerror or exc}", source=str(path)
        ) from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise InputError("larger than 1 MiB: not a settings file", source=str(path))
    return raw


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("not valid UTF-8", source=str(path), line=line) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", source=str(path)) from None


def _tool(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise InputError(f"tool must be a table, not {kind_of(tool)}", source=str(path))
    return tool
