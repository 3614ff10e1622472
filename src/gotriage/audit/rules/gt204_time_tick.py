from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.shared import timer_version_note, uncollected_timer
from gotriage.audit.syntax import enclosing_function, text
from gotriage.model import Severity


class TimeTick(Rule):
    """``time.Tick`` outside ``main`` and package-level declarations.

    Why it matters: ``time.Tick`` returns only the channel of a Ticker, so the Ticker can never
    be stopped. Before Go 1.23 it is never garbage collected either: every call in a function
    that runs more than once (a handler, a worker, a constructor) starts another ticker that
    fires forever, costing a timer and a wake-up per period for the life of the process.

    Reported only where the nearest go.mod declares a Go version before 1.23 (from 1.23 on,
    unreferenced tickers are collected), or when no go.mod is found.

    Bad::

        func (w *Worker) run() {
            for range time.Tick(time.Second) {
                w.poll()
            }
        }

    Good::

        func (w *Worker) run(ctx context.Context) {
            t := time.NewTicker(time.Second)
            defer t.Stop()
            for {
                select {
                case <-t.C:
                    w.poll()
                case <-ctx.Done():
                    return
                }
            }
        }

    How to fix: use ``time.NewTicker`` and ``Stop`` it when the function returns.
    """

    id = "GT204"
    name = "time-tick"
    title = "time.Tick outside main: a ticker that can never be stopped"
    severity = Severity.LOW
    fix_hint = "use time.NewTicker and defer its Stop"
    imports = ("time",)
    call_names = frozenset({"Tick"})

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if not uncollected_timer(self.ctx, qualifier):
            return
        function = enclosing_function(node)
        if function is None:
            return  # package-level: one ticker for the life of the process
        outermost = function
        while (above := enclosing_function(outermost)) is not None:
            outermost = above
        if outermost.type == "function_declaration":
            declared = text(outermost.child_by_field_name("name"))
            if declared == "init" or (declared == "main" and self.ctx.package == "main"):
                return
        self.ctx.report(
            type(self),
            node,
            "time.Tick starts a ticker that can never be stopped, nor collected before Go 1.23 "
            f"({timer_version_note(self.ctx)})",
        )
