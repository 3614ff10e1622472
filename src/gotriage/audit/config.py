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

In pyproject.toml the keys may also sit directly in ``[tool.gotriage]``; ``[tool.gotriage.audit]``
wins. In ``.gotriage.toml`` they sit in ``[audit]`` or at the top level.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from gotriage.audit.testcode import TEST_CODE_MODES
from gotriage.config import read_table
from gotriage.errors import InputError, UsageError
from gotriage.model import Severity

_KEYS = {
    "enable",
    "disable",
    "exclude",
    "fail_on",
    "max_header_bytes_min",
    "max_header_bytes_max",
    "multipart_memory_max",
    "go_version",
    "test_code",
}


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
    root: str = ""  # directory the exclude globs are relative to
    source: str = ""  # the file this came from, "" for defaults
    extra: dict[str, object] = field(default_factory=dict)

    def rule_enabled(self, rule_id: str) -> bool:
        if self.enable and not any(rule_id.startswith(prefix) for prefix in self.enable):
            return False
        return not any(rule_id.startswith(prefix) for prefix in self.disable)


def load_config(path: Path) -> AuditConfig:
    table = read_table(path)
    settings = {k: v for k, v in table.items() if _norm(k) in _KEYS}
    audit = table.get("audit", {})
    if not isinstance(audit, dict):
        raise InputError("the audit table must be a table", source=str(path))
    unknown = sorted(k for k in audit if _norm(k) not in _KEYS)
    if unknown:
        raise InputError(f"unknown audit setting {unknown[0]!r}", source=str(path))
    settings.update(audit)
    return config_from_mapping(settings, root=str(path.parent), source=str(path))


def config_from_mapping(
    settings: dict[str, object], *, root: str = "", source: str = ""
) -> AuditConfig:
    config = AuditConfig(root=root, source=source)
    values: dict[str, object] = {}
    where = source or "configuration"
    for key, value in settings.items():
        name = _norm(key)
        if name in ("enable", "disable", "exclude"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{key} must be a list of strings", source=where)
            values[name] = tuple(value)
        elif name == "fail_on":
            values[name] = parse_severity(str(value))
        elif name == "test_code":
            if value not in TEST_CODE_MODES:
                raise InputError(f"{key} must be one of {', '.join(TEST_CODE_MODES)}", source=where)
            values[name] = value
        elif name == "go_version":
            if not isinstance(value, str) or parse_go_version(value) is None:
                raise InputError(f'{key} must be a Go version such as "1.22"', source=where)
            values[name] = value
        else:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(f"{key} must be a non-negative integer", source=where)
            values[name] = value
    return replace(config, **values)  # type: ignore[arg-type]


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
