"""The README documents every option, scenario, parameter and JSON field of reproduce."""

from __future__ import annotations

import argparse
from pathlib import Path

from gotriage.cli import build_parser
from gotriage.report.reproduce_json import SCHEMA
from gotriage.reproduce.scenarios import SCENARIOS

README = Path(__file__).parents[2] / "README.md"


def section() -> str:
    text = README.read_text()
    start = text.index("## `gotriage reproduce URL --scenario NAME`")
    return text[start : text.index("\n## ", start + 1)]


def test_every_option_is_documented():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser = sub.choices["reproduce"]
    doc = section()
    for action in parser._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in doc or f", `{flag}" in doc or flag in doc, flag


def test_every_scenario_and_parameter_is_documented():
    doc = section()
    for name, module in SCENARIOS.items():
        assert f"`{name}`" in doc
        for parameter in module.PARAMETERS:
            assert f"`{parameter.name}`" in doc, (name, parameter.name)


def _fields(schema: dict) -> set[str]:
    names: set[str] = set()
    for key, value in schema.get("properties", {}).items():
        names.add(key)
        if isinstance(value, dict):
            names |= _fields(value)
            if isinstance(value.get("items"), dict):
                names |= _fields(value["items"])
            for choice in value.get("oneOf", []):
                names |= _fields(choice)
    return names


def test_every_json_field_is_documented():
    doc = section()
    for name in _fields(SCHEMA) - {"baseline", "scenario", "recovery"}:
        assert f"`{name}`" in doc, name
