from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.shared import HTTP, HTTPValues, http_values
from gotriage.audit.syntax import call_parts, descendants, text
from gotriage.model import Severity


class ConnStateLeak(Rule):
    """A ConnState hook records connections but does not forget them on StateClosed and
    StateHijacked.

    Why it matters: hooks that track connections (a map keyed by ``net.Conn``, a counter) must
    remove them when the connection ends. net/http reports the end as ``StateClosed``, except
    for hijacked connections (WebSockets, ``CONNECT`` tunnels), which end in ``StateHijacked``
    and are never reported again. A hook that forgets either state keeps every such
    ``net.Conn`` and its buffers reachable forever: a slow memory leak that grows with traffic.

    Bad::

        srv.ConnState = func(c net.Conn, s http.ConnState) {
            if s == http.StateNew {
                conns[c] = struct{}{}
            }
        }

    Good::

        srv.ConnState = func(c net.Conn, s http.ConnState) {
            switch s {
            case http.StateNew:
                conns[c] = struct{}{}
            case http.StateClosed, http.StateHijacked:
                delete(conns, c)
            }
        }

    How to fix: delete the connection (or decrement the counter) on both StateClosed and
    StateHijacked.
    """

    id = "GT111"
    name = "connstate-leak"
    title = "ConnState hook that never forgets closed or hijacked connections"
    severity = Severity.MEDIUM
    fix_hint = "remove the connection on both http.StateClosed and http.StateHijacked"
    imports = (HTTP,)
    uses = (HTTPValues,)

    def finish(self) -> None:
        for server in http_values(self.ctx, "Server"):
            hook = server.fields.get("ConnState")
            if hook is None:
                continue
            body = self._body_of(hook)
            if body is None:
                continue
            problem = self._problem(body)
            if problem:
                self.ctx.report(type(self), hook, problem)

    def _body_of(self, hook: Node) -> Node | None:
        if hook.type == "func_literal":
            return hook
        if hook.type == "identifier":
            return self.ctx.declared_function(text(hook))
        return None

    def _problem(self, function: Node) -> str:
        records = removes = False
        states: set[str] = set()
        for node in descendants(function, into_functions=True):
            kind = node.type
            if kind == "assignment_statement":
                left = node.child_by_field_name("left")
                if left is not None and any(
                    t.type == "index_expression" for t in left.named_children
                ):
                    records = True
            elif kind == "inc_statement":
                records = True
            elif kind == "dec_statement":
                removes = True
            elif kind == "call_expression":
                _, name = call_parts(node)
                if name in ("Store", "LoadOrStore", "append"):
                    records = True
                elif name in ("delete", "Delete", "LoadAndDelete"):
                    removes = True
                elif name == "Add":
                    args = node.child_by_field_name("arguments")
                    if args is not None and text(args).replace(" ", "").startswith("(-"):
                        removes = True
                    else:
                        records = True
            elif kind == "selector_expression":
                field = text(node.child_by_field_name("field"))
                if field in ("StateClosed", "StateHijacked"):
                    states.add(field)
        if not records:
            return ""
        if not removes:
            return (
                "ConnState hook records connections but never removes them: every connection "
                "stays reachable"
            )
        missing = sorted({"StateClosed", "StateHijacked"} - states)
        if missing:
            return (
                f"ConnState hook never handles http.{' or http.'.join(missing)}: those connections "
                "are recorded and never removed"
            )
        return ""
