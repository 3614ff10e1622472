from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.shared import uncollected_timer
from gotriage.audit.syntax import FUNCTION_NODES
from gotriage.model import Severity


class TimeAfterInLoop(Rule):
    """``time.After`` as a ``select`` case inside a loop.

    Why it matters: each pass of the loop creates a new timer. When another case wins, that
    timer is not stopped; before Go 1.23 it stays in the runtime's timer heap, with its channel,
    until it fires. A loop that handles thousands of messages a second with
    ``case <-time.After(time.Minute)`` keeps a minute's worth of timers alive: memory and
    timer-heap CPU grow with throughput.

    Go 1.23 made unreferenced timers collectable when the main module's go.mod says
    ``go 1.23`` or later, so the rule only reports in modules whose nearest go.mod declares an
    older version (or when no go.mod is found).

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
        in_case = False
        while parent is not None and parent.type not in FUNCTION_NODES:
            if parent.type == "communication_case":
                communication = parent.child_by_field_name("communication")
                in_case = communication is not None and (
                    communication.start_byte <= node.start_byte < communication.end_byte
                )
                if not in_case:
                    return
            elif parent.type == "for_statement" and in_case:
                self.ctx.report(
                    type(self),
                    node,
                    "time.After in a select inside a loop creates a timer every iteration that "
                    "lives until it fires (before Go 1.23)",
                )
                return
            parent = parent.parent
