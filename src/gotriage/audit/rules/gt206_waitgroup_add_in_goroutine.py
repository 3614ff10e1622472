from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.syntax import call_parts, calls_in, descendants, enclosing_body, go_literal
from gotriage.model import Severity


class WaitGroupAddInGoroutine(Rule):
    """``WaitGroup.Add`` called inside the goroutine it is meant to count.

    Why it matters: ``wg.Wait()`` in the parent can run before the new goroutine has called
    ``Add``; it then sees a zero counter and returns while work is still running. The parent
    goes on to close channels or release resources the goroutine still uses (panics, lost
    results), or returns and leaves the goroutine running unaccounted for. (``go vet`` reports
    this too from Go 1.25 on; this rule covers older toolchains and code that is not built.)

    Bad::

        for _, item := range items {
            go func() {
                wg.Add(1)
                defer wg.Done()
                process(item)
            }()
        }
        wg.Wait()

    Good::

        for _, item := range items {
            wg.Add(1)
            go func() {
                defer wg.Done()
                process(item)
            }()
        }
        wg.Wait()

    A receiver counts as a WaitGroup when the goroutine also calls its ``Done``, the starting
    function calls its ``Wait``, or it is declared as ``sync.WaitGroup`` in the file.

    How to fix: call ``Add`` before the ``go`` statement (or use Go 1.25's ``wg.Go``).
    """

    id = "GT206"
    name = "waitgroup-add-in-goroutine"
    title = "WaitGroup.Add inside the goroutine it counts"
    severity = Severity.MEDIUM
    fix_hint = "call wg.Add(1) before the go statement"
    node_types = frozenset({"go_statement"})

    def visit(self, node: Node) -> None:
        literal = go_literal(node)
        body = literal.child_by_field_name("body") if literal is not None else None
        if body is None:
            return
        # One walk of the goroutine's body (not into nested func literals).
        adds: list[tuple[Node, str]] = []
        done: set[str] = set()
        nested_go: list[Node] = []
        for child in descendants(body):
            if child.type == "go_statement":
                nested_go.append(child)
            elif child.type == "call_expression":
                qualifier, name = call_parts(child)
                if name == "Add" and qualifier:
                    adds.append((child, qualifier))
                elif name == "Done":
                    done.add(qualifier)
        if not adds:
            return
        outer_body = enclosing_body(node)
        waited = (
            {q for c, q, n in calls_in(outer_body) if n == "Wait" and c.start_byte > node.end_byte}
            if outer_body is not None
            else set()
        )
        for add, receiver in adds:
            if any(g.start_byte > add.start_byte for g in nested_go):
                continue  # counting a goroutine this one starts: the right order
            if receiver in done or receiver in waited or self._declared_waitgroup(receiver):
                self.ctx.report(
                    type(self),
                    add,
                    f"{receiver}.Add inside the goroutine it counts: Wait can return before it "
                    "runs",
                )

    def _declared_waitgroup(self, receiver: str) -> bool:
        name = receiver.split(".")[-1]
        source = self.ctx.source
        return f"{name} sync.WaitGroup".encode() in source or (
            f"{name} *sync.WaitGroup".encode() in source
        )
