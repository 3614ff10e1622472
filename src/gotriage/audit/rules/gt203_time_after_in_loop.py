from __future__ import annotations

import re

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.shared import timer_version_note, uncollected_timer
from gotriage.audit.syntax import (
    EXIT_CALLS,
    FUNCTION_NODES,
    call_parts,
    case_body,
    select_cases,
    text,
)
from gotriage.model import Severity

# Channels that are closed once to broadcast an end (ctx.Done(), done, stopCh, s.quit): once
# such a case wins it wins every time, and the loop is ending, so it does not pile timers.
ONE_SHOT = re.compile(
    r"(?i)(^|_)(done|stop|stopped|quit|closed?|closing|shutdown|exit)(ch|c|chan)?$"
)
# A loop bounded by a constant this small (a retry loop) creates at most that many timers.
FEW_ITERATIONS = 16


class TimeAfterInLoop(Rule):
    """``time.After`` as a ``select`` case inside a loop.

    Why it matters: each pass of the loop creates a new timer. When another case wins, that
    timer is not stopped; before Go 1.23 it stays in the runtime's timer heap, with its channel,
    until it fires. A loop that handles thousands of messages a second with
    ``case <-time.After(time.Minute)`` keeps a minute's worth of timers alive: memory and
    timer-heap CPU grow with throughput.

    Go 1.23 made unreferenced timers collectable when the main module's go.mod says
    ``go 1.23`` or later, so the rule only reports in modules whose nearest go.mod declares an
    older version (or when no go.mod is found); the message says which version it used and
    where it came from.

    Timers cannot pile up, and the rule stays silent, when every other case of the ``select``
    (``default`` included) leaves the loop (its last statement returns, breaks out of the loop
    by label, jumps away with goto, or panics) or receives from a channel closed once to say
    stop (``ctx.Done()``, ``done``, ``stopCh``, ``s.quit``): the loop then turns again only
    after the timer fired, or is ending. Nor when every enclosing loop is bounded by a small
    constant (``for i := 0; i < 3; i++``, ``for range 5``): a retry loop makes a handful of
    timers.

    Bad::

        for {
            select {
            case m := <-msgs:
                handle(m)
            case <-time.After(time.Minute):
                return
            }
        }

    Good::

        idle := time.NewTimer(time.Minute)
        defer idle.Stop()
        for {
            select {
            case m := <-msgs:
                handle(m)
                idle.Reset(time.Minute)
            case <-idle.C:
                return
            }
        }

    How to fix: create one ``time.Timer`` outside the loop and ``Reset`` it.
    """

    id = "GT203"
    name = "time-after-in-loop"
    title = "time.After in a select inside a loop (a timer per iteration)"
    severity = Severity.LOW
    fix_hint = "use one time.NewTimer outside the loop and Reset it"
    imports = ("time",)
    call_names = frozenset({"After"})

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if not uncollected_timer(self.ctx, qualifier):
            return
        parent = node.parent
        case: Node | None = None
        loops: list[Node] = []
        while parent is not None and parent.type not in FUNCTION_NODES:
            if parent.type == "communication_case" and case is None:
                communication = parent.child_by_field_name("communication")
                if communication is None or not (
                    communication.start_byte <= node.start_byte < communication.end_byte
                ):
                    return
                case = parent
            elif parent.type == "for_statement" and case is not None:
                loops.append(parent)
            parent = parent.parent
        if case is None or not loops:
            return
        if all(self._bounded(loop) for loop in loops):
            return
        select = case.parent
        if select is not None and all(
            _one_shot(other) or _leaves_loop(case_body(other), loops[0])
            for other in select_cases(select)
            if other.id != case.id
        ):
            return
        self.ctx.report(
            type(self),
            node,
            "time.After in a select inside a loop creates a timer every iteration that lives "
            "until it fires: timers are collected only from Go 1.23 "
            f"({timer_version_note(self.ctx)})",
        )

    def _bounded(self, loop: Node) -> bool:
        """The loop runs at most FEW_ITERATIONS times: ``i < N`` or ``range N``, N constant."""
        clause = loop.named_child(0)
        if clause is None:
            return False
        bound = None
        if clause.type == "for_clause":
            condition = clause.child_by_field_name("condition")
            if condition is not None and condition.type == "binary_expression":
                operator = text(condition.child_by_field_name("operator"))
                if operator in ("<", "<="):
                    bound = self.ctx.value(condition.child_by_field_name("right"))
        elif clause.type == "range_clause":
            # ``range N`` over an integer; ranging over a slice is as long as the slice.
            bound = self.ctx.value(clause.child_by_field_name("right"))
        return bound is not None and 0 <= bound <= FEW_ITERATIONS


def _one_shot(case: Node) -> bool:
    """A case receiving from a channel closed once to say "stop" (``<-ctx.Done()``)."""
    if case.type != "communication_case":
        return False
    communication = case.child_by_field_name("communication")
    if communication is None or communication.type != "receive_statement":
        return False
    received = communication.child_by_field_name("right")
    channel = received.child_by_field_name("operand") if received is not None else None
    if channel is None:
        return False
    if channel.type == "call_expression":
        return call_parts(channel)[1] == "Done"
    if channel.type == "selector_expression":
        channel = channel.child_by_field_name("field")
    return channel is not None and bool(ONE_SHOT.search(text(channel)))


def _leaves_loop(statements: list[Node], loop: Node) -> bool:
    """The last statement of a case leaves ``loop``: return, goto, panic/exit, or a break
    naming the loop's label or an outer one (a plain break only leaves the select)."""
    if not statements:
        return False
    last = statements[-1]
    if last.type in ("return_statement", "goto_statement"):
        return True
    if last.type == "expression_statement":
        call = last.named_child(0)
        return (
            call is not None
            and call.type == "call_expression"
            and (call_parts(call)[1] in EXIT_CALLS)
        )
    if last.type == "break_statement":
        label = next((c for c in last.named_children if c.type == "label_name"), None)
        return label is not None and _labels_enclosing(loop, text(label))
    if last.type == "block":
        return _leaves_loop([s for c in last.named_children for s in c.named_children], loop)
    return False


def _labels_enclosing(loop: Node, label: str) -> bool:
    """``label`` names ``loop`` or a statement around it (breaking it leaves the loop)."""
    current: Node | None = loop
    while current is not None and current.type not in FUNCTION_NODES:
        if current.type == "labeled_statement" and any(
            c.type == "label_name" and text(c) == label for c in current.named_children
        ):
            return True
        current = current.parent
    return False
