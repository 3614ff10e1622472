"""The goroutines JSON report is written as it is made and says what to_dict holds."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gotriage.goroutines.analyse import analyse
from gotriage.goroutines.load import iter_goroutines
from gotriage.model import ParseReport
from gotriage.report import goroutines_json

CASES = Path(__file__).parents[1] / "goroutines" / "cases"


def analysis_of(data: bytes):
    report = ParseReport()
    return analyse(iter_goroutines([data], report, source="x"), report, source="x")


@pytest.mark.parametrize(
    "case", sorted(p.name for p in CASES.glob("*.txt") if "not_a" not in p.name)
)
def test_streamed_json_is_the_dict(case: str):
    analysis = analysis_of((CASES / case).read_bytes())
    out = io.StringIO()
    goroutines_json.render(analysis, out)
    assert json.loads(out.getvalue()) == goroutines_json.to_dict(analysis)
    assert out.getvalue().startswith('{\n  "schema": "gotriage.goroutines/1",\n')


def test_long_lists_are_written_one_entry_per_line():
    lines = []
    for n in range(1500):  # more than one batch of entries
        lines += [f"goroutine {n + 1} [select]:", f"main.f{n}()", f"\t/src/m{n}.go:3 +0x1", ""]
    analysis = analysis_of("\n".join(lines).encode())
    out = io.StringIO()
    goroutines_json.render(analysis, out)
    text = out.getvalue()
    assert len(json.loads(text)["groups"]) == 1500
    assert text.count('\n    {"kind": ') == 1500


def test_sections_are_in_schema_order():
    analysis = analysis_of((CASES / "cgo.txt").read_bytes())
    keys = [key for key, _ in goroutines_json.sections(analysis)]
    assert keys[:3] == ["schema", "source", "format"] and "groups" in keys
