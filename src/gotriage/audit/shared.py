"""Analyses and checks several rules share.

Mostly the ``http.Server`` and ``http.Client`` values of a file. A server is a composite literal
(``&http.Server{...}``), a zero value (``var s http.Server``) or ``new(http.Server)``. When it is
bound to a name (``srv := ...``, ``s.srv = ...``), fields assigned later on that name
(``srv.ReadTimeout = 5 * time.Second``) count as set: in the same function for a local
variable, anywhere in the file for a struct field or package variable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

from tree_sitter import Node

from gotriage.audit.engine import FileContext, Rule
from gotriage.audit.suppress import Suppressions, parse_suppressions
from gotriage.audit.syntax import bindings, enclosing_function, line_of, same, text
from gotriage.model import Confidence, Severity

HTTP = "net/http"
# From Go 1.23 on (in modules whose go.mod says so) unreferenced timers and tickers are
# collected; before, each one lives until it fires, and a ticker forever.
TIMERS_COLLECTED = (1, 23)


@dataclass(slots=True)
class HTTPValue:
    """One http.Server or http.Client value and the fields known to be set on it."""

    kind: str  # "Server" or "Client"
    node: Node  # where to report: the literal, the var spec, the new() call
    literal: Node | None  # the composite literal, when there is one (what --fix edits)
    binding: str | None  # the name it is bound to, None when returned or nested
    function: Node | None  # enclosing function, None at package level
    fields: dict[str, Node | None] = field(default_factory=dict)  # field -> value expression
    assigned: set[str] = field(default_factory=set)  # fields set by later assignments
    opaque: bool = False  # overwritten whole (``*c = *other``): fields unknown, all assumed set

    def is_set(self, ctx: FileContext, name: str) -> bool:
        """``name`` is set to something that is not a constant zero."""
        if self.opaque:
            return True
        if name not in self.fields:
            return False
        value = ctx.value(self.fields[name])
        return value is None or value != 0

    def value_of(self, ctx: FileContext, name: str) -> float | None:
        return ctx.value(self.fields.get(name))

    @property
    def confidence(self) -> Confidence:
        """Fields may be set where this file cannot see when the value is not bound locally."""
        return Confidence.HIGH if self.binding and "." not in self.binding else Confidence.MEDIUM


class HTTPValues(Rule):
    """Collects http.Server and http.Client values into ``ctx.shared``."""

    imports = (HTTP,)
    node_types = frozenset({"composite_literal", "var_spec", "assignment_statement"})
    call_names = frozenset({"new"})

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.values: list[HTTPValue] = []
        self.assignments: list[tuple[str, str, Node | None, Node]] = []
        self.ctx.shared["http_values"] = self.values

    def visit(self, node: Node) -> None:
        kind = node.type
        if kind == "composite_literal":
            type_node = node.child_by_field_name("type")
            for name in ("Server", "Client"):
                if self.ctx.is_type(type_node, HTTP, name):
                    value = HTTPValue(name, node, node, _binding(node), enclosing_function(node))
                    value.fields.update(literal_fields(node))
                    self.values.append(value)
        elif kind == "var_spec":
            type_node = node.child_by_field_name("type")
            if node.child_by_field_name("value") is None:
                for name in ("Server", "Client"):
                    if self.ctx.is_type(type_node, HTTP, name):
                        for bound in node.children_by_field_name("name"):
                            function = enclosing_function(node)
                            self.values.append(HTTPValue(name, node, None, text(bound), function))
        else:
            for target, assigned in bindings(node):
                if target.type == "unary_expression" and text(target).startswith("*"):
                    operand = text(target.child_by_field_name("operand"))
                    self.assignments.append((operand, "*", None, node))
                elif target.type == "selector_expression":
                    operand = text(target.child_by_field_name("operand"))
                    field_name = text(target.child_by_field_name("field"))
                    self.assignments.append((operand, field_name, assigned, node))

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        args = node.child_by_field_name("arguments")
        if args is None or args.named_child_count != 1:
            return
        for kind in ("Server", "Client"):
            if self.ctx.is_type(args.named_child(0), HTTP, kind):
                self.values.append(
                    HTTPValue(kind, node, None, _binding(node), enclosing_function(node))
                )

    def finish(self) -> None:
        for value in self.values:
            if value.binding is None:
                continue
            local = "." not in value.binding and value.function is not None
            for operand, field_name, assigned, statement in self.assignments:
                if operand != value.binding:
                    continue
                if local and not same(enclosing_function(statement), value.function):
                    continue
                if field_name == "*":
                    value.opaque = True
                    continue
                value.fields[field_name] = assigned
                value.assigned.add(field_name)


def literal_fields(literal: Node) -> dict[str, Node | None]:
    body = literal.child_by_field_name("body")
    fields: dict[str, Node | None] = {}
    if body is None:
        return fields
    for element in body.named_children:
        if element.type != "keyed_element":
            continue
        key = element.child_by_field_name("key")
        value = element.child_by_field_name("value")
        if key is None:
            continue
        name = text(key)
        fields[name] = (
            value.named_child(0) if value is not None and value.type == "literal_element" else value
        )
    return fields


def keyed_element(literal: Node, name: str) -> Node | None:
    body = literal.child_by_field_name("body")
    if body is None:
        return None
    for element in body.named_children:
        if element.type == "keyed_element" and text(element.child_by_field_name("key")) == name:
            return element
    return None


def _binding(expression: Node) -> str | None:
    """The name an expression is assigned to, if it is the right side of a simple binding."""
    node = expression
    parent = node.parent
    if parent is not None and parent.type == "unary_expression":
        node, parent = parent, parent.parent
    if parent is None or parent.type != "expression_list":
        return None
    owner = parent.parent
    index = next((i for i, n in enumerate(parent.named_children) if n.id == node.id), -1)
    if owner is None or index < 0:
        return None
    if owner.type in ("short_var_declaration", "assignment_statement", "var_spec"):
        names = [name for name, _ in bindings(owner)]
        if index < len(names):
            return text(names[index])
    return None


def http_values(ctx: FileContext, kind: str) -> list[HTTPValue]:
    values: list[HTTPValue] = ctx.shared.get("http_values", [])  # type: ignore[assignment]
    return [v for v in values if v.kind == kind]


class MissingServerTimeout(Rule):
    """Base of the rules that report an http.Server setting none of ``any_of``.

    A server that misses several of them is one finding, not one per rule: the first of the
    active rules (by ID, so the most severe: GT101 before GT103 and GT104) reports it, with
    every missing field in the message and in ``Finding.missing``, so a library's exported
    ``Server: new(http.Server)`` is one line to judge. A rule silenced on that line
    (``//gotriage:ignore GT103``) keeps its own finding, which the suppression then drops, and
    its fields are left out. ``--fix`` adds every missing field, which resolves the finding."""

    severity = Severity.MEDIUM
    fixable = True
    imports = (HTTP,)
    uses = (HTTPValues,)
    any_of: ClassVar[tuple[str, ...]] = ()
    # What is missing and what follows: the message when this rule alone applies ...
    missing_text: ClassVar[str] = ""
    # ... and its part of the message when several do.
    clause: ClassVar[str] = ""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        _active_timeout_rules(ctx).append(type(self))

    def finish(self) -> None:
        active = sorted(_active_timeout_rules(self.ctx), key=lambda rule: rule.id)
        suppressions = _suppressions(self.ctx)
        for server in http_values(self.ctx, "Server"):
            line = line_of(server.node)
            firing = [
                rule
                for rule in active
                if not any(server.is_set(self.ctx, name) for name in rule.any_of)
            ]
            kept = [rule for rule in firing if not suppressions.silences(rule.id, line)]
            if type(self) not in firing:
                continue
            if type(self) not in kept:
                # Reported alone so that the suppression drops it and counts it.
                self._report(server, [type(self)])
            elif kept[0] is type(self):
                self._report(server, kept)

    def _report(self, server: HTTPValue, rules: list[type[MissingServerTimeout]]) -> None:
        """One finding for ``server``, under ``rules[0]``, for everything ``rules`` miss."""
        wanted = {name for rule in rules for name in rule.any_of}
        missing = tuple(name for name in SERVER_TIMEOUTS if name in wanted)
        if len(rules) == 1:
            message = f"http.Server has {rules[0].missing_text}"
        else:
            clauses = "; ".join(rule.clause for rule in rules)
            message = f"http.Server lacks {len(rules)} kinds of timeout: {clauses}"
        to_set = [rule.any_of[0] for rule in rules]  # the field each rule asks for first
        fix = (
            f"set {_listed(to_set)} on the http.Server (gotriage audit --fix adds "
            f"{'them' if len(to_set) > 1 else 'it'} to a literal)"
        )
        before = len(self.ctx.findings)
        self.ctx.report(
            rules[0],
            server.node,
            message,
            confidence=server.confidence,
            fix=fix,
        )
        if len(self.ctx.findings) > before:  # not skipped as test code
            self.ctx.findings[-1] = replace(self.ctx.findings[-1], missing=missing)


# The timeouts of an http.Server, in the order a reader expects them.
SERVER_TIMEOUTS = ("ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout")


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _active_timeout_rules(ctx: FileContext) -> list[type[MissingServerTimeout]]:
    """The missing-timeout rules instantiated for this file (each adds itself)."""
    active = ctx.shared.setdefault("server_timeout_rules", [])
    assert isinstance(active, list)
    return active


def _suppressions(ctx: FileContext) -> Suppressions:
    table = ctx.shared.get("suppressions")
    if not isinstance(table, Suppressions):
        table = parse_suppressions(ctx.source)
        ctx.shared["suppressions"] = table
    return table


def timer_version_note(ctx: FileContext) -> str:
    """Which Go version the timer rules assumed, and where it came from."""
    major, minor = ctx.go_version
    if ctx.config.go_version:
        return f"Go {major}.{minor} from the go-version setting"
    if (major, minor) == (0, 0):
        return "no go directive found in a go.mod above the file: assumed older than Go 1.23"
    return f"the module's go.mod says go {major}.{minor}"


def uncollected_timer(ctx: FileContext, qualifier: str) -> bool:
    """A call on package time in code built for a Go release that does not collect timers."""
    return ctx.is_pkg(qualifier, "time") and ctx.go_version < TIMERS_COLLECTED
