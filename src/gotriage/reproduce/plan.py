"""The plan of a run from a scenario file (TOML) and the command line.

A scenario file fixes everything a run does, seed included, so CI replays it exactly::

    seed = 7
    baseline = "3s"      # phases
    duration = "10s"
    recovery = "10s"
    rate = 50            # normal requests a second
    load_path = "/"

    [[scenario]]
    name = "slow-clients"
    clients = 500
    interval = "5s"

Options given on the command line win over the file. Unknown keys and bad values are errors
naming the file. Parsing takes the file's text; reading it is the caller's.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gotriage.errors import InputError, UsageError
from gotriage.reproduce.model import MAX_RUN_SECONDS, Plan, ScenarioSpec
from gotriage.reproduce.scenarios import SCENARIOS
from gotriage.reproduce.scenarios.base import Parameter
from gotriage.units import parse_duration

PLAN_KEYS = {
    "seed": "count0",
    "baseline": "duration",
    "duration": "duration",
    "recovery": "duration",
    "rate": "rate",
    "load_path": "path",
    "load_connections": "count",
    "request_timeout": "duration",
}
MAX_RATE = 100_000.0
MAX_LOAD_CONNECTIONS = 1000


@dataclass
class Overrides:
    """What the command line says; None leaves the file's value or the default."""

    scenarios: Sequence[str] = ()
    settings: dict[str, Any] = field(default_factory=dict)  # PLAN_KEYS -> value
    params: dict[str, Any] = field(default_factory=dict)  # every scenario with the key
    paths: dict[str, str] = field(default_factory=dict)  # scenario name -> path


def parse_file(text: str, source: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(plan settings, scenario tables) of a scenario file; InputError naming the file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not TOML: {exc}", source=source) from None
    tables = data.pop("scenario", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InputError("'scenario' must be an array of tables ([[scenario]])", source=source)
    unknown = sorted(set(data) - set(PLAN_KEYS))
    if unknown:
        raise InputError(
            f"unknown key {unknown[0]!r} (one of {', '.join(PLAN_KEYS)}, scenario)", source=source
        )
    settings = {}
    for key, value in data.items():
        try:
            settings[key] = _setting(key, value)
        except ValueError as exc:
            raise InputError(f"{key}: {exc}", source=source) from None
    return settings, tables


def _setting(key: str, value: object) -> Any:
    kind = PLAN_KEYS[key]
    if kind == "count0":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValueError("must be a whole number, 0 or more")
        return value
    parsed = Parameter(key, kind, None, "").parse(value)
    if key == "rate" and parsed > MAX_RATE:
        raise ValueError(f"at most {MAX_RATE:.0f} requests a second")
    if key == "load_connections" and parsed > MAX_LOAD_CONNECTIONS:
        raise ValueError(f"at most {MAX_LOAD_CONNECTIONS}")
    if key == "request_timeout" and parsed <= 0:
        raise ValueError("must be more than 0")
    return parsed


def scenario_spec(
    table: Mapping[str, Any], url_path: str, *, source: str, overrides: Overrides
) -> ScenarioSpec:
    name = table.get("name")
    if name not in SCENARIOS:
        raise InputError(
            f"unknown scenario {name!r} (one of {', '.join(SCENARIOS)})", source=source
        )
    module = SCENARIOS[name]
    parameters: dict[str, Parameter] = {p.name: p for p in module.PARAMETERS}
    params: dict[str, Any] = {}
    given = {k: v for k, v in table.items() if k != "name"}
    for key in given:
        if key not in parameters:
            raise InputError(
                f"{name}: unknown parameter {key!r} (one of {', '.join(parameters)})",
                source=source,
            )
    for key, value in overrides.params.items():
        if key in parameters:
            given[key] = value
    if name in overrides.paths:
        given["path"] = overrides.paths[name]
    for key, parameter in parameters.items():
        value = given.get(key, parameter.default)
        if value is None and key == "path":
            raise UsageError(f"{name} needs {_path_flag(name)} (or path in the scenario file)")
        if value is None:
            continue
        try:
            params[key] = parameter.parse(value)
        except ValueError as exc:
            raise InputError(f"{name}: {exc}", source=source) from None
    if params.get("path") == "/" and "path" not in given:
        params["path"] = url_path
    return ScenarioSpec(name, params)


def _path_flag(name: str) -> str:
    return {
        "slow-body": "--body-path",
        "slow-readers": "--large-path",
        "blocking-handler": "--slow-path",
    }.get(name, "--set path=...")


def build(
    url_path: str,
    overrides: Overrides,
    *,
    file_text: str | None = None,
    source: str = "",
    runs: int = 1,
) -> Plan:
    """The plan: file, then command line; UsageError when it does not fit the bounds."""
    settings: dict[str, Any] = {}
    tables: list[dict[str, Any]] = []
    if file_text is not None:
        settings, tables = parse_file(file_text, source)
    where = source or "command line"
    if overrides.scenarios:
        tables = [{"name": n} for n in overrides.scenarios]
        where = "command line"
    if not tables:
        raise UsageError("give --scenario NAME or a --scenario-file with [[scenario]] tables")
    unknown_params = [
        k
        for k in overrides.params
        if not any(
            k in {p.name for p in SCENARIOS[t.get("name", "")].PARAMETERS}
            for t in tables
            if t.get("name") in SCENARIOS
        )
    ]
    if unknown_params:
        raise UsageError(f"--set {unknown_params[0]}: no chosen scenario has that parameter")
    specs = tuple(scenario_spec(t, url_path, source=where, overrides=overrides) for t in tables)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise UsageError("the same scenario twice; give one table per scenario")
    settings.update({k: v for k, v in overrides.settings.items() if v is not None})
    plan = replace(Plan(specs), **settings)
    if not plan.load_path:
        plan = replace(plan, load_path=url_path)
    if plan.duration <= 0:
        raise UsageError("--duration must be more than 0")
    if plan.total * runs > MAX_RUN_SECONDS:
        raise UsageError(
            f"the phases add up to {plan.total * runs:.0f} s; a run is bounded to "
            f"{MAX_RUN_SECONDS:.0f} s (--compare runs twice)"
        )
    return plan


def parse_assignment(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"write KEY=VALUE, not {text!r}")
    return key.strip(), value.strip()


__all__ = ["Overrides", "build", "parse_assignment", "parse_duration", "parse_file"]
