from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.syntax import (
    bindings,
    descendants,
    enclosing_function,
    function_body,
    line_of,
    same,
    text,
)
from gotriage.model import Confidence, Severity

CONTEXT = "context"
CONSTRUCTORS = frozenset(
    {
        "WithCancel",
        "WithTimeout",
        "WithDeadline",
        "WithCancelCause",
        "WithTimeoutCause",
        "WithDeadlineCause",
    }
)
SIMPLE_ENDINGS = frozenset(
    {
        "expression_statement",
        "assignment_statement",
        "short_var_declaration",
        "send_statement",
        "inc_statement",
        "dec_statement",
        "go_statement",
        "defer_statement",
    }
)


class LostCancel(Rule):
    """The cancel function of ``context.WithCancel``/``WithTimeout``/``WithDeadline`` is
    discarded or not called on every path.

    Why it matters: until cancel is called (or the parent is cancelled, or the deadline
    passes) the child context stays registered with its parent, and for ``WithTimeout`` and
    ``WithDeadline`` its timer stays alive. In a long-lived parent (a server's base context)
    each forgotten cancel is a small leak that never goes away; goroutines waiting on the
    context's ``Done`` channel wait until the deadline, or forever for ``WithCancel``.

    Bad::

        ctx, _ := context.WithTimeout(parent, time.Second)

        ctx, cancel := context.WithCancel(parent)
        if err := prepare(); err != nil {
            return err // cancel is not called on this path
        }
        cancel()

    Good::

        ctx, cancel := context.WithTimeout(parent, time.Second)
        defer cancel()

    A cancel function that is returned, stored, passed on or called from a closure is assumed
    to be taken care of elsewhere: the rule stays silent.

    How to fix: ``defer cancel()`` right after creating the context.
    """

    id = "GT202"
    name = "lost-cancel"
    title = "context cancel function discarded or not called on every path"
    severity = Severity.MEDIUM
    fix_hint = "defer cancel() right after creating the context"
    imports = (CONTEXT,)
    call_names = CONSTRUCTORS

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if not self.ctx.is_pkg(qualifier, CONTEXT):
            return
        values = node.parent
        owner = values.parent if values is not None else None
        if values is None or owner is None or values.type != "expression_list":
            return
        if owner.type not in ("short_var_declaration", "assignment_statement", "var_spec"):
            return
        targets = [name for name, _ in bindings(owner)]
        if len(targets) != 2 or values.named_child_count != 1:
            return
        cancel = targets[1]
        if text(cancel) == "_":
            self.ctx.report(
                type(self),
                node,
                f"the cancel function of context.{name} is discarded: the context and its "
                "resources live until the parent is cancelled",
                severity=Severity.HIGH,
            )
            return
        if cancel.type != "identifier":
            return
        statement = owner if owner.type != "var_spec" else owner.parent
        if statement is None:
            return
        self._check_paths(node, name, text(cancel), statement)

    def _check_paths(self, call: Node, constructor: str, cancel: str, statement: Node) -> None:
        function = enclosing_function(statement)
        body = function_body(function) if function is not None else None
        container = statement.parent
        if body is None or container is None:
            return
        calls: list[Node] = []
        for node in descendants(body, into_functions=True):
            if node.type != "identifier" or text(node) != cancel:
                continue
            if node.start_byte < statement.end_byte:
                continue
            use = node.parent
            if _assigned_to_blank(node):
                continue  # `_ = cancel` only silences the compiler
            if (
                use is None
                or use.type != "call_expression"
                or not same(use.child_by_field_name("function"), node)
            ):
                return  # returned, stored, passed on, reassigned: handled elsewhere
            holder = use.parent
            if holder is not None and holder.type == "defer_statement":
                return
            if not same(enclosing_function(node), function):
                return  # called from a closure, deferred or not: handled there
            if holder is None or holder.type != "expression_statement":
                return
            calls.append(holder)
        if not calls:
            self.ctx.report(
                type(self),
                call,
                f"the cancel function {cancel} of context.{constructor} is never called",
                severity=Severity.HIGH,
            )
            return
        called = {c.id for c in calls}
        for node in descendants(container):
            if node.type != "return_statement" or node.start_byte < statement.end_byte:
                continue
            if not _dominated(node, container, called, statement):
                self.ctx.report(
                    type(self),
                    call,
                    f"{cancel}() is not called on the path that returns at line {line_of(node)}",
                    confidence=Confidence.MEDIUM,
                )
                return
        statements = container.named_children
        if same(container.parent, body) and statements and statements[-1].type in SIMPLE_ENDINGS:
            tail = [s for s in statements if s.start_byte > statement.start_byte]
            if not any(s.id in called for s in tail):
                self.ctx.report(
                    type(self),
                    call,
                    f"{cancel}() is not called before the function ends",
                    confidence=Confidence.MEDIUM,
                )


def _assigned_to_blank(node: Node) -> bool:
    values = node.parent
    owner = values.parent if values is not None else None
    if values is None or owner is None or owner.type != "assignment_statement":
        return False
    left = owner.child_by_field_name("left")
    return (
        left is not None
        and not same(left, values)
        and all(text(target) == "_" for target in left.named_children)
    )


def _dominated(node: Node, container: Node, called: set[int], statement: Node) -> bool:
    """A cancel call runs on every way from ``statement`` to ``node``: some block enclosing
    ``node`` calls it earlier."""
    current = node
    while current.parent is not None:
        parent = current.parent
        if parent.type == "statement_list":
            for sibling in parent.named_children:
                if sibling.start_byte >= current.start_byte:
                    break
                if sibling.id in called and sibling.start_byte > statement.start_byte:
                    return True
        if parent.id == container.id:
            return False
        current = parent
    return False
