"""Constant folding for the values rules compare: durations, byte sizes.

``5 * time.Second``, ``time.Duration(n) * time.Millisecond``, ``1 << 20``, ``math.MaxInt32`` and
names bound once in the file to such expressions resolve to a number; anything else (a config
field, a function call) resolves to None and the rules that need the value stay silent.
Durations are in nanoseconds, as Go counts them.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from gotriage.audit.syntax import text

TIME_UNITS = {
    "Nanosecond": 1,
    "Microsecond": 1_000,
    "Millisecond": 1_000_000,
    "Second": 1_000_000_000,
    "Minute": 60_000_000_000,
    "Hour": 3_600_000_000_000,
}
MATH_LIMITS = {
    "MaxInt": 2**63 - 1,
    "MaxInt64": 2**63 - 1,
    "MaxInt32": 2**31 - 1,
    "MaxUint32": 2**32 - 1,
    "MaxInt16": 2**15 - 1,
}
CONVERSIONS = frozenset(
    {"int", "int32", "int64", "uint", "uint32", "uint64", "float64", "Duration"}
)


def parse_int_literal(raw: str) -> int | None:
    raw = raw.replace("_", "")
    try:
        if len(raw) > 1 and raw[0] == "0" and raw[1] not in "xXbBoO.eE":
            return int(raw, 8)
        return int(raw, 0)
    except ValueError:
        return None


class Evaluator:
    """Folds expressions of one file. ``names`` maps identifiers to the one expression bound to
    them (consts and vars declared exactly once); ``package_of`` tells which import a
    qualifier names (``"tm"`` -> ``"time"``)."""

    def __init__(self, names: dict[str, Node | None], package_of: Callable[[str], str]) -> None:
        self.names = names
        self.package_of = package_of
        self._resolving: set[str] = set()

    def value(self, node: Node | None) -> float | None:
        if node is None:
            return None
        kind = node.type
        if kind == "int_literal":
            return parse_int_literal(text(node))
        if kind == "float_literal":
            try:
                return float(text(node).replace("_", ""))
            except ValueError:
                return None
        if kind in ("parenthesized_expression", "literal_element"):
            return self.value(node.named_child(0))
        if kind == "unary_expression":
            operator = node.child(0)
            operand = self.value(node.child_by_field_name("operand"))
            if operand is None or operator is None:
                return None
            return -operand if operator.type == "-" else operand if operator.type == "+" else None
        if kind == "binary_expression":
            return self._binary(node)
        if kind == "selector_expression":
            package = self.package_of(text(node.child_by_field_name("operand")))
            field = text(node.child_by_field_name("field"))
            if package == "time":
                return TIME_UNITS.get(field)
            if package == "math":
                return MATH_LIMITS.get(field)
            return None
        if kind == "identifier":
            return self._name(text(node))
        if kind == "call_expression":
            return self._conversion(node)
        return None

    def _binary(self, node: Node) -> float | None:
        left = self.value(node.child_by_field_name("left"))
        right = self.value(node.child_by_field_name("right"))
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return None
        op = operator.type
        if op == "*":
            return left * right
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "/":
            if right == 0:
                return None
            if isinstance(left, int) and isinstance(right, int):
                return left // right
            return left / right
        if op in ("<<", ">>") and isinstance(left, int) and isinstance(right, int) and right < 128:
            return left << right if op == "<<" else left >> right
        return None

    def _name(self, name: str) -> float | None:
        if name not in self.names or name in self._resolving:
            return None
        self._resolving.add(name)
        try:
            return self.value(self.names[name])
        finally:
            self._resolving.discard(name)

    def _conversion(self, node: Node) -> float | None:
        function = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if function is None or args is None or args.named_child_count != 1:
            return None
        name = text(function)
        if function.type == "selector_expression":
            name = text(function.child_by_field_name("field"))
            if self.package_of(text(function.child_by_field_name("operand"))) != "time":
                return None
        if name not in CONVERSIONS:
            return None
        return self.value(args.named_child(0))


def format_duration(nanoseconds: float) -> str:
    """Go's way of writing a duration, close enough for messages: ``1m30s``, ``500ms``."""
    ns = int(nanoseconds)
    if ns == 0:
        return "0s"
    if abs(ns) < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if abs(ns) >= size:
                value = ns / size
                return f"{value:g}{unit}"
    seconds = ns / 1_000_000_000
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    fraction = seconds - int(seconds)
    out = ""
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    out += f"{secs + fraction:g}s"
    return out


def format_bytes(size: float) -> str:
    size = int(size)
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit} ({size} bytes)"
    return f"{size} bytes"
