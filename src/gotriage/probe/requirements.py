"""``--require 'header-timeout<=10s'``: parse requirements and check them against measurements.

A requirement is ``NAME OP VALUE`` with OP one of ``<= < >= > ==``; VALUE is a duration for
timeouts (``10s``, ``500ms``, ``1m``), a size for max-header/max-body (``1MiB``, ``64KB``) and a
count for connections. max-header is compared as the MaxHeaderBytes setting it implies (the
accepted size minus Go's 4096-byte allowance). "None up to X" counts as a value above X.
"""

from __future__ import annotations

import operator
import re

from gotriage.errors import UsageError
from gotriage.probe.model import Measurement, Requirement, RequirementResult, Status, Unit
from gotriage.probe.verdicts import show
from gotriage.units import parse_duration, parse_size

UNITS: dict[str, Unit] = {
    "header-timeout": Unit.SECONDS,
    "body-timeout": Unit.SECONDS,
    "idle-timeout": Unit.SECONDS,
    "write-timeout": Unit.SECONDS,
    "stalled-reader": Unit.SECONDS,
    "max-header": Unit.BYTES,
    "max-body": Unit.BYTES,
    "connections": Unit.CONNECTIONS,
}
OPERATORS = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
_SYNTAX = re.compile(r"\s*([a-z-]+)\s*(<=|>=|==|<|>|=)\s*([^<>=\s].*?)\s*")


def parse_requirement(text: str) -> Requirement:
    match = _SYNTAX.fullmatch(text)
    if not match:
        raise UsageError(
            f"malformed requirement {text!r}: write NAME OP VALUE, for example "
            "'header-timeout<=10s' or 'max-header<=1MiB'"
        )
    name, op, raw = match.groups()
    if op == "=":
        op = "=="
    if name not in UNITS:
        raise UsageError(
            f"requirement {text!r}: unknown measurement {name!r} (one of {', '.join(UNITS)})"
        )
    unit = UNITS[name]
    try:
        if unit is Unit.SECONDS:
            value = parse_duration(raw)
        elif unit is Unit.BYTES:
            value = float(parse_size(raw))
        elif raw.isdigit():
            value = float(int(raw))
        else:
            raise ValueError(f"not a whole number of connections: {raw!r}")
    except ValueError as exc:
        raise UsageError(f"requirement {text!r}: {exc}") from None
    return Requirement(text.strip(), name, op, value, unit)


def compared_value(m: Measurement) -> float | None:
    if m.name == "max-header" and m.implied_setting is not None:
        return m.implied_setting
    return m.value


def check(req: Requirement, m: Measurement | None) -> RequirementResult:
    wanted = f"{req.op} {show(req.value, req.unit)}"
    if m is None or m.status is Status.SKIPPED:
        hint = f" (needs {m.enable_with})" if m is not None and m.enable_with else ""
        return RequirementResult(req, False, f"{req.name} was not measured{hint}")
    if m.status in (Status.ERROR, Status.INCONCLUSIVE):
        return RequirementResult(req, False, f"{req.name} could not be measured: {m.detail}")
    value = compared_value(m)
    assert value is not None
    if m.status is Status.NONE:
        # the real value is above ``value``
        if req.op in (">=", ">") and value >= req.value:
            return RequirementResult(req, True, f"above {show(value, m.unit)}, {wanted}")
        return RequirementResult(
            req, False, f"{req.name} has no limit up to {show(value, m.unit)}, wanted {wanted}"
        )
    met = OPERATORS[req.op](value, req.value)
    verb = "meets" if met else "does not meet"
    return RequirementResult(req, met, f"{req.name} {show(value, m.unit)} {verb} {wanted}")
