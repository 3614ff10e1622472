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
                ctx.evaluator.bind(
                    spec.child_by_field_name("name").text.decode(),
                    spec.child_by_field_name("value").named_children[0],
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


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("(" * 1000 + "5" + ")" * 1000 + " * tm.Second", 5 * SECOND),
        (" + ".join(["1"] * 500), 500),
        (" - ".join(["1"] * 500), 1 - 499),
        ("- " * 301 + "1", -1),  # 301 unary minus signs
        ("1 << -1", None),  # not Go: a negative shift count
        ("1 << 100 >> 95", 32),  # Go folds big intermediates exactly
        ("1e999 * tm.Second", None),  # not a finite number
        ("0x" + "f" * 200, None),  # 800 bits: no duration or size is that large
        ("1" + "0" * 5000, None),  # 5,000 digits
    ],
)
def test_hostile_expressions_fold_without_recursion(expression, value):
    assert fold(expression) == value


@pytest.mark.timeout(60)
def test_each_name_is_folded_once():
    """``c40`` doubles ``c39``: folding every use again would take 2**40 steps."""
    lines = ["const c0 = 1"] + [f"const c{i} = c{i - 1} + c{i - 1}" for i in range(1, 41)]
    assert fold("c40", "\n".join(lines)) == 2**40
    squares = ["const s0 = 10"] + [f"const s{i} = s{i - 1} * s{i - 1}" for i in range(1, 31)]
    assert fold("s30", "\n".join(squares)) is None  # 10**(2**30): not computed, too large


def test_a_name_bound_later_or_twice_is_refolded():
    source = b'package p\n\nimport "time"\n'
    root = new_parser().parse(source).root_node
    ctx = FileContext("x.go", source, AuditConfig(), (1, 21))
    _read_imports(root, ctx)
    expression = new_parser().parse(b"package p\nvar x = a + b\n").root_node
    spec = expression.named_children[-1].named_children[0]
    value = spec.child_by_field_name("value").named_children[0]
    one = new_parser().parse(b"package p\nvar _ = 1\n").root_node
    literal = one.named_children[-1].named_children[0].child_by_field_name("value")
    assert ctx.value(value) is None  # a and b unknown yet
    ctx.evaluator.bind("a", literal.named_children[0])
    ctx.evaluator.bind("b", literal.named_children[0])
    assert ctx.value(value) == 2
    ctx.evaluator.bind("a", literal.named_children[0])  # bound twice: no longer one value
    assert ctx.value(value) is None


ARITHMETIC = st.recursive(
    st.integers(min_value=0, max_value=10**6).map(str),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(" ".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"- {e}"),
    ),
    max_leaves=30,
)


@given(ARITHMETIC)
def test_fold_agrees_with_integer_arithmetic(expression):
    expected = eval(expression)  # +, -, * and parentheses mean the same in Go and Python
    assert fold(expression) == (expected if expected.bit_length() <= 512 else None)
