"""Constant folding of durations and sizes, on expressions as Go code writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.audit.config import AuditConfig
from gotriage.audit.engine import FileContext, _read_imports
from gotriage.audit.syntax import new_parser
from gotriage.audit.values import format_duration

SECOND = 1_000_000_000


def fold(expression: str, prelude: str = "") -> float | None:
    source = f'package p\n\nimport (\n\t"math"\n\ttm "time"\n)\n\n{prelude}\nvar x = {expression}\n'
    root = new_parser().parse(source.encode()).root_node
    ctx = FileContext("x.go", source.encode(), AuditConfig(), (1, 21))
    _read_imports(root, ctx)
    declaration = root.named_children[-1]
    for node in root.named_children:
        if node.type == "const_declaration":
            for spec in node.named_children:
                ctx.names[spec.child_by_field_name("name").text.decode()] = (
                    spec.child_by_field_name("value").named_children[0]
                )
    spec = declaration.named_children[0]
    return ctx.value(spec.child_by_field_name("value").named_children[0])


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("5 * tm.Second", 5 * SECOND),
        ("tm.Minute", 60 * SECOND),
        ("(2 * tm.Minute) + 30*tm.Second", 150 * SECOND),
        ("tm.Duration(500) * tm.Millisecond", SECOND // 2),
        ("1 << 20", 1 << 20),
        ("64 << 10", 64 << 10),
        ("0x1000", 4096),
        ("1_000_000", 1_000_000),
        ("math.MaxInt32", 2**31 - 1),
        ("1.5 * float64(tm.Second)", 1.5 * SECOND),
        ("timeout", 7 * SECOND),
        ("configured()", None),
        ("cfg.ReadTimeout", None),
        ("1 / 0", None),
    ],
)
def test_fold(expression, value):
    prelude = "const timeout = 7 * tm.Second\n"
    assert fold(expression, prelude) == value


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["Second", "Millisecond"]))
def test_fold_any_multiple(n, unit):
    scale = SECOND if unit == "Second" else SECOND // 1000
    assert fold(f"{n} * tm.{unit}") == n * scale


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0s"),
        (5 * SECOND, "5s"),
        (90 * SECOND, "1m30s"),
        (SECOND // 2, "500ms"),
        (3600 * SECOND, "1h0m0s"),
    ],
)
def test_format_duration(ns, text):
    assert format_duration(ns) == text
