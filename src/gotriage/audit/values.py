"""Constant folding for the values rules compare: durations, byte sizes.

``5 * time.Second``, ``time.Duration(n) * time.Millisecond``, ``1 << 20``, ``math.MaxInt32`` and
names bound once in the file to such expressions resolve to a number; anything else (a config
field, a function call) resolves to None and the rules that need the value stay silent.
Durations are in nanoseconds, as Go counts them.
"""

from __future__ import annotations

import math
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
MAX_BITS = 512  # beyond 2**512 nothing is a duration or a size
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
    them (consts and vars declared exactly once; bind them with :meth:`bind`); ``package_of``
    tells which import a qualifier names (``"tm"`` -> ``"time"``).

    A repository is untrusted input, so folding is iterative (1,000 nested parentheses or a sum
    of 500 terms are ordinary data, not a recursion), each name is folded once however often it
    is used (``const c2 = c1 + c1`` does not fold ``c1`` twice), and a value beyond
    ``2**MAX_BITS`` is not a duration or a size: it folds to None instead of growing."""

    def __init__(self, names: dict[str, Node | None], package_of: Callable[[str], str]) -> None:
        self.names = names
        self.package_of = package_of
        self._known: dict[str, float | None] = {}  # name -> its folded value
        self._unknown: set[str] = set()  # names in _known whose value is None

    def bind(self, name: str, node: Node | None) -> None:
        """Record that ``name`` is bound to ``node``; a name bound twice is not folded."""
        if name in self.names:
            if self.names[name] is not None:
                self.names[name] = None
                self._known.clear()  # whatever used the name may change
                self._unknown.clear()
            return
        self.names[name] = node
        # Only a value that used a name then unbound can change: those folded to None.
        for stale in self._unknown:
            self._known.pop(stale, None)
        self._unknown.clear()

    def value(self, node: Node | None) -> float | None:
        """The constant value of ``node``, or None when it is not a constant this file fixes."""
        if node is None:
            return None
        values: list[float | None] = []
        # (step, item): _EVAL pushes the node's value (perhaps by pushing more steps first);
        # the other steps combine values already pushed.
        steps: list[tuple[int, Node | str]] = [(_EVAL, node)]
        resolving: set[str] = set()
        while steps:
            step, item = steps.pop()
            if step == _EVAL:
                assert isinstance(item, Node)
                self._eval(item, steps, values, resolving)
            elif step == _BINARY:
                assert isinstance(item, Node)
                right = values.pop()
                left = values.pop()
                values.append(_bounded(_binary(item, left, right)))
            elif step == _NEGATE:
                operand = values.pop()
                values.append(None if operand is None else -operand)
            else:  # _NAMED: the value on top is the one of the name being resolved
                assert isinstance(item, str)
                resolving.discard(item)
                self._known[item] = values[-1]
                if values[-1] is None:
                    self._unknown.add(item)
        return values[-1]

    def _eval(
        self,
        node: Node,
        steps: list[tuple[int, Node | str]],
        values: list[float | None],
        resolving: set[str],
    ) -> None:
        kind = node.type
        if kind in ("parenthesized_expression", "literal_element"):
            inner = node.named_child(0)
            if inner is None:
                values.append(None)
            else:
                steps.append((_EVAL, inner))
        elif kind == "binary_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is None or right is None:
                values.append(None)
                return
            steps.append((_BINARY, node))
            steps.append((_EVAL, right))
            steps.append((_EVAL, left))
        elif kind == "unary_expression":
            operator = node.child(0)
            operand = node.child_by_field_name("operand")
            if operator is None or operand is None or operator.type not in ("-", "+"):
                values.append(None)
                return
            if operator.type == "-":
                steps.append((_NEGATE, node))
            steps.append((_EVAL, operand))
        elif kind == "identifier":
            name = text(node)
            if name in self._known:
                values.append(self._known[name])
            elif name not in self.names or name in resolving:
                values.append(None)  # unknown, or defined in terms of itself
            else:
                bound = self.names[name]
                if bound is None:
                    values.append(None)
                    return
                resolving.add(name)
                steps.append((_NAMED, name))
                steps.append((_EVAL, bound))
        elif kind == "call_expression":
            argument = self._conversion(node)
            if argument is None:
                values.append(None)
            else:
                steps.append((_EVAL, argument))
        else:
            values.append(_bounded(self._leaf(node)))

    def _leaf(self, node: Node) -> float | None:
        kind = node.type
        if kind == "int_literal":
            return parse_int_literal(text(node))
        if kind == "float_literal":
            try:
                return float(text(node).replace("_", ""))
            except ValueError:
                return None
        if kind == "selector_expression":
            package = self.package_of(text(node.child_by_field_name("operand")))
            field = text(node.child_by_field_name("field"))
            if package == "time":
                return TIME_UNITS.get(field)
            if package == "math":
                return MATH_LIMITS.get(field)
        return None

    def _conversion(self, node: Node) -> Node | None:
        """The argument of a conversion that keeps the value (``time.Duration(n)``), or None."""
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
        return args.named_child(0)


_EVAL, _BINARY, _NEGATE, _NAMED = range(4)


def _bounded(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value if value.bit_length() <= MAX_BITS else None
    return value if math.isfinite(value) else None


def _binary(node: Node, left: float | None, right: float | None) -> float | None:
    operator = node.child_by_field_name("operator")
    if left is None or right is None or operator is None:
        return None
    op = operator.type
    try:
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
        if (
            op in ("<<", ">>")
            and isinstance(left, int)
            and isinstance(right, int)
            and 0 <= right < 128
        ):
            return left << right if op == "<<" else left >> right
    except (OverflowError, ValueError):
        pass
    return None


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
