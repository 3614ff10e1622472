from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.shared import HTTP
from gotriage.audit.syntax import text
from gotriage.model import Severity

HELPERS = frozenset({"Get", "Head", "Post", "PostForm"})


class DefaultHTTPClient(Rule):
    """``http.Get``, ``http.Post``, ``http.Head``, ``http.PostForm`` or ``http.DefaultClient``:
    outbound requests with no timeout.

    Why it matters: these all use ``http.DefaultClient``, whose Timeout is zero (no limit) and
    which anything in the process may modify. A stuck upstream parks the calling goroutine
    forever.

    Bad::

        resp, err := http.Get(url)

    Good::

        client := &http.Client{Timeout: 10 * time.Second}
        resp, err := client.Get(url)

    How to fix: create one ``http.Client`` with a Timeout and reuse it.
    """

    id = "GT109"
    name = "default-http-client"
    title = "http.Get/Post/DefaultClient: outbound request without a timeout"
    severity = Severity.MEDIUM
    fix_hint = "use a shared http.Client with Timeout set"
    imports = (HTTP,)
    call_names = HELPERS
    node_types = frozenset({"selector_expression"})

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if self.ctx.is_pkg(qualifier, HTTP):
            self.ctx.report(
                type(self), node, f"http.{name} uses http.DefaultClient, which has no timeout"
            )

    def visit(self, node: Node) -> None:
        # Most selectors are something else: compare the source bytes before building nodes.
        if self.ctx.source[node.end_byte - 13 : node.end_byte] != b"DefaultClient":
            return
        parent = node.parent
        if parent is not None and parent.type == "expression_list":
            owner = parent.parent
            if (
                owner is not None
                and owner.type == "assignment_statement"
                and (owner.child_by_field_name("left") == parent)
            ):
                return  # http.DefaultClient = ... configures it
        if self.ctx.is_pkg(text(node.child_by_field_name("operand")), HTTP):
            self.ctx.report(type(self), node, "http.DefaultClient has no timeout")
