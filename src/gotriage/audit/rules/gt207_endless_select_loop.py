from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import FileContext, Rule
from gotriage.audit.syntax import (
    EXIT_CALLS,
    LOOP_OR_SWITCH,
    block_statements,
    call_parts,
    descendants,
    function_body,
    text,
)
from gotriage.model import Confidence, Severity


class EndlessSelectLoop(Rule):
    """A goroutine runs ``for { select { ... } }`` and no case can end it.

    Why it matters: a background loop with no way out (no ``ctx.Done()`` case, no quit
    channel, no check for a closed channel that returns) lives as long as the process. Each
    time the code that starts it runs again (per connection, per request, per test) another one
    is added; they keep their channels, tickers and captured state alive and wake up for
    nothing. The leak profile cannot report them when their channels stay reachable.

    Bad::

        go func() {
            for {
                select {
                case m := <-in:
                    handle(m)
                case <-ticker.C:
                    flush()
                }
            }
        }()

    Good::

        go func() {
            for {
                select {
                case m, ok := <-in:
                    if !ok {
                        return
                    }
                    handle(m)
                case <-ctx.Done():
                    return
                }
            }
        }()

    A case that returns, panics, exits, jumps with ``goto`` or ``break``s out of the loop (a
    labelled break, or a plain break outside the select) ends the loop. Goroutines started on
    a named function or method of the same file are followed into its body.

    How to fix: add a ``case <-ctx.Done(): return`` (or a quit channel), and return when an
    input channel is closed.
    """

    id = "GT207"
    name = "endless-select-loop"
    title = "goroutine looping over select with no way to stop"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    fix_hint = "add case <-ctx.Done(): return (or a quit channel) to the select"
    node_types = frozenset({"go_statement"})

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._seen: set[int] = set()

    def visit(self, node: Node) -> None:
        call = node.named_child(0)
        if call is None or call.type != "call_expression":
            return
        function = call.child_by_field_name("function")
        body: Node | None = None
        if function is not None and function.type == "func_literal":
            body = function.child_by_field_name("body")
        else:
            declared = self.ctx.declared_function(call_parts(call)[1])
            if declared is not None:
                body = function_body(declared)
        if body is None:
            return
        for loop in block_statements(body):
            target: Node | None = loop
            if loop.type == "labeled_statement":
                target = next((c for c in loop.named_children if c.type == "for_statement"), None)
            if target is None or target.type != "for_statement" or target.id in self._seen:
                continue
            if target.child_by_field_name("body") is None or _has_clause(target):
                continue
            self._seen.add(target.id)
            loop_body = target.child_by_field_name("body")
            assert loop_body is not None
            if not any(n.type == "select_statement" for n in descendants(loop_body)):
                continue
            label = (
                text(loop.child_by_field_name("label")) if loop.type == "labeled_statement" else ""
            )
            if not _can_end(target, loop_body, label):
                self.ctx.report(
                    type(self),
                    target,
                    "this goroutine's for/select loop has no case that ends it (no ctx.Done(), "
                    "quit channel or closed-channel check): it runs forever",
                )


def _has_clause(loop: Node) -> bool:
    """``for cond {``, ``for i := ...; ... {`` or ``for range ...`` rather than a bare ``for {``."""
    return any(c.type not in ("block", "comment") for c in loop.named_children)


def _can_end(loop: Node, body: Node, label: str) -> bool:
    for node in descendants(body):
        kind = node.type
        if kind in ("return_statement", "goto_statement"):
            return True
        if kind == "call_expression" and call_parts(node)[1] in EXIT_CALLS:
            return True
        if kind == "break_statement":
            target = node.named_child(0) if node.named_child_count else None
            if target is not None:
                if text(target) == label:
                    return True
                continue
            parent = node.parent
            while parent is not None and parent.type not in LOOP_OR_SWITCH:
                parent = parent.parent
            if parent is not None and parent.id == loop.id:
                return True
    return False
