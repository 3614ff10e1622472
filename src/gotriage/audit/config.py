"""Audit configuration: ``[tool.gotriage.audit]`` in pyproject.toml, or ``.gotriage.toml``.

Keys (all optional; ``-`` and ``_`` are interchangeable)::

    enable = ["GT101", "GT2"]       # only these rules (IDs or ID prefixes)
    disable = ["GT110"]             # never these
    exclude = ["internal/legacy/**", "*_gen.go"]   # globs relative to the config file
    fail-on = "medium"              # lowest severity that makes the exit code 1
    max-header-bytes-min = 8192     # GT106: below this, ordinary headers draw 431s
    max-header-bytes-max = 8388608  # GT106: above this, one connection may pin that much
    multipart-memory-max = 67108864 # GT107: ParseMultipartForm memory considered huge
    go-version = "1.21"             # Go version the code runs under (default: from go.mod)
    test-code = "lower"             # code only tests use: lower (to low), skip, or report
    max-file-size = "4MiB"          # a larger file is listed as not audited
    file-timeout = "10s"            # a file that takes longer is listed as not audited

In pyproject.toml the keys may also sit directly in ``[tool.gotriage]``; ``[tool.gotriage.audit]``
wins. In ``.gotriage.toml`` they sit in ``[audit]`` or at the top level. Any other key there
(but another command's table) is an error, as is a value of the wrong type or a rule ID that
names no rule: every error names the file and the key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from gotriage.audit.testcode import TEST_CODE_MODES
from gotriage.config import SECTIONS, check_type, kind_of, read_table
from gotriage.errors import InputError, UsageError
from gotriage.model import Severity
from gotriage.units import parse_duration, parse_size

# Each key, with ``-`` as ``_``, and the type its value must have.
_KEYS: dict[str, type] = {
    "enable": list,
    "disable": list,
    "exclude": list,
    "fail_on": str,
    "max_header_bytes_min": int,
    "max_header_bytes_max": int,
    "multipart_memory_max": int,
    "go_version": str,
    "max_file_size": object,  # bytes, or a size such as "16MiB"
    "file_timeout": object,  # seconds, or a duration such as "30s"
    "test_code": str,
}
DEFAULT_MAX_FILE_SIZE = 4 << 20
DEFAULT_FILE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class AuditConfig:
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: Severity = Severity.MEDIUM
    max_header_bytes_min: int = 8 << 10
    max_header_bytes_max: int = 8 << 20
    multipart_memory_max: int = 64 << 20
    go_version: str = ""  # "1.21": overrides the go directive of the nearest go.mod
    test_code: str = "lower"  # findings in code only tests use: lower, skip or report
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; a larger file is not audited
    file_timeout: float = DEFAULT_FILE_TIMEOUT  # seconds one file may take
    root: str = ""  # directory the exclude globs are relative to
    source: str = ""  # the file this came from, "" for defaults
    extra: dict[str, object] = field(default_factory=dict)

    def rule_enabled(self, rule_id: str) -> bool:
        if self.enable and not any(rule_id.startswith(prefix) for prefix in self.enable):
            return False
        return not any(rule_id.startswith(prefix) for prefix in self.disable)


def load_config(path: Path, *, rule_ids: Collection[str]) -> AuditConfig:
    """The audit settings in ``path``; ``rule_ids`` are the rules that exist (an ``enable`` or
    ``disable`` entry that matches none of them is an error)."""
    table = read_table(path)
    where = str(path)
    settings: dict[str, tuple[str, object]] = {}  # name -> (key as written, value)
    for key, value in table.items():
        if _norm(key) in _KEYS:
            settings[_norm(key)] = (key, value)
        elif key not in SECTIONS:
            raise InputError(f"unknown setting {key!r}", source=where)
    audit = table.get("audit", {})
    if not isinstance(audit, dict):
        raise InputError(f"audit must be a table, not {kind_of(audit)}", source=where)
    for key, value in audit.items():
        if _norm(key) not in _KEYS:
            raise InputError(f"unknown audit setting {key!r}", source=where)
        settings[_norm(key)] = (f"[audit] {key}", value)
    return config_from_mapping(settings, root=str(path.parent), source=where, rule_ids=rule_ids)


def config_from_mapping(
    settings: dict[str, tuple[str, object]],
    *,
    root: str = "",
    source: str = "",
    rule_ids: Collection[str] = (),
) -> AuditConfig:
    """Settings (name with ``_`` -> (key as written, for messages; value)) into an AuditConfig;
    every mistake is an InputError naming ``source`` and the key."""
    config = AuditConfig(root=root, source=source)
    values: dict[str, object] = {}
    where = source or "configuration"
    for name, (key, value) in settings.items():
        expected = _KEYS[name]
        if expected is not object:
            check_type(where, key, value, expected)
        if name in ("enable", "disable", "exclude"):
            assert isinstance(value, list)
            items = tuple(value)
            if name != "exclude":
                items = tuple(item.strip().upper() for item in items)
                unknown = unknown_rules(items, rule_ids)
                if unknown:
                    raise InputError(
                        f"{key}: no rule matches {unknown[0]!r} (see gotriage audit --list-rules)",
                        source=where,
                    )
            values[name] = items
        elif name == "fail_on":
            try:
                values[name] = parse_severity(str(value))
            except UsageError as exc:
                raise InputError(f"{key}: {exc}", source=where) from None
        elif name == "test_code":
            if value not in TEST_CODE_MODES:
                raise InputError(f"{key} must be one of {', '.join(TEST_CODE_MODES)}", source=where)
            values[name] = value
        elif name == "go_version":
            if parse_go_version(str(value)) is None:
                raise InputError(f'{key} must be a Go version such as "1.22"', source=where)
            values[name] = value
        elif name == "max_file_size":
            values[name] = int(_positive(key, value, parse_size, where, "a size such as 16MiB"))
        elif name == "file_timeout":
            values[name] = _positive(key, value, parse_duration, where, "a duration such as 30s")
        else:
            assert isinstance(value, int)
            if value < 0:
                raise InputError(f"{key} must be a non-negative integer", source=where)
            values[name] = value
    return replace(config, **values)  # type: ignore[arg-type]


def unknown_rules(prefixes: Collection[str], rule_ids: Collection[str]) -> list[str]:
    """The entries of ``prefixes`` (rule IDs or ID prefixes) that match no rule."""
    return [p for p in prefixes if not any(rule_id.startswith(p) for rule_id in rule_ids)]


def _positive(
    key: str, value: object, parse: Callable[[str], float], where: str, example: str
) -> float:
    """A positive number, given as one or as text ``parse`` reads (``16MiB``, ``30s``)."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = parse(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number <= 0:
        raise InputError(f"{key} must be {example}, not {value!r}", source=where)
    return number


def parse_go_version(value: str) -> tuple[int, int] | None:
    parts = value.strip().removeprefix("go").split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1])


def parse_severity(value: str) -> Severity:
    try:
        return Severity(value.lower())
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise UsageError(f"unknown severity {value!r} (choose from {choices})") from None


def _norm(key: str) -> str:
    return key.replace("-", "_")
