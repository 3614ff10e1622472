from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import FileContext, Rule
from gotriage.audit.syntax import (
    arguments,
    bindings,
    call_parts,
    case_body,
    descendants,
    enclosing_body,
    enclosing_function,
    go_literal,
    is_receive,
    is_within,
    leaves_function,
    line_of,
    same,
    select_cases,
    text,
)
from gotriage.model import Confidence, Severity


class UnbufferedSendLeak(Rule):
    """A goroutine sends on an unbuffered channel whose receiver can give up first.

    Why it matters: this is the most common goroutine leak in production Go. The caller starts
    a goroutine to do work and send the result on an unbuffered channel, then waits in a
    ``select`` with a timeout or ``ctx.Done()`` case, or returns early on an error. When the
    caller leaves without receiving, the goroutine's send blocks forever: the goroutine, its
    stack and everything it references are never freed. Under load this grows without bound.

    Bad::

        func fetch(ctx context.Context) (string, error) {
            ch := make(chan string)
            go func() { ch <- slowCall() }()
            select {
            case v := <-ch:
                return v, nil
            case <-ctx.Done():
                return "", ctx.Err() // the goroutine above blocks on its send forever
            }
        }

    Good::

        ch := make(chan string, 1) // the send always completes, even if nobody receives

    The rule follows the channel only within the function that makes it; a channel passed
    elsewhere, ranged over or closed is left alone. An early ``return`` between the ``go``
    statement and the receive is reported with medium confidence.

    How to fix: give the channel a buffer of one (one per sender), or make the goroutine's
    send a ``select`` that also watches ``ctx.Done()``.
    """

    id = "GT201"
    name = "unbuffered-send-leak"
    title = "goroutine sends on an unbuffered channel whose receiver can leave early"
    severity = Severity.HIGH
    fix_hint = "make(chan T, 1), or select on ctx.Done() around the send"
    node_types = frozenset({"go_statement"})

    def visit(self, node: Node) -> None:
        literal = go_literal(node)
        outer_body = enclosing_body(node)
        if literal is None or outer_body is None:
            return
        reported: set[str] = set()
        for send in descendants(literal):
            if send.type != "send_statement":
                continue
            parent = send.parent
            if parent is not None and parent.type == "communication_case":
                continue  # a send inside a select can take another way out
            channel = send.child_by_field_name("channel")
            if channel is None or channel.type != "identifier":
                continue
            name = text(channel)
            if name in reported or _is_parameter(literal, name):
                continue
            if not _made_unbuffered(self.ctx, outer_body, name, node.start_byte):
                continue
            problem = _receiver_leaves(outer_body, name, node, literal)
            if problem is None:
                continue
            message, confidence = problem
            reported.add(name)
            self.ctx.report(
                type(self),
                send,
                f"send on unbuffered channel {name} blocks forever when {message}: the goroutine "
                "leaks",
                confidence=confidence,
            )


def _is_parameter(literal: Node, name: str) -> bool:
    parameters = literal.child_by_field_name("parameters")
    return parameters is not None and any(
        text(n) == name for p in parameters.named_children for n in p.children_by_field_name("name")
    )


def _made_unbuffered(ctx: FileContext, body: Node, name: str, before: int) -> bool:
    made: Node | None = None
    for node in descendants(body):
        if node.start_byte >= before:
            break
        # Only channels declared here: one assigned to an outer variable may be received
        # anywhere.
        if node.type not in ("short_var_declaration", "var_spec"):
            continue
        for target, value in bindings(node):
            if text(target) == name:
                made = value
    if made is None or made.type != "call_expression" or call_parts(made) != ("", "make"):
        return False
    args = arguments(made)
    if not args or args[0].type != "channel_type":
        return False
    return len(args) == 1 or ctx.value(args[1]) == 0


def _receiver_leaves(
    body: Node, name: str, go: Node, literal: Node
) -> tuple[str, Confidence] | None:
    """How the receiving function can leave without receiving, or None if it cannot."""
    receives: list[Node] = []
    for node in descendants(body, into_functions=True):
        if node.type != "identifier" or text(node) != name:
            continue
        parent = node.parent
        if is_within(node, literal):
            if parent is not None and is_receive(parent):
                return None  # the goroutine receives too: a ping-pong, not a one-shot result
            continue
        if node.start_byte < go.start_byte:
            continue
        if parent is None or not is_receive(parent):
            return None  # passed on, ranged over, closed, reassigned: not followed
        if not same(enclosing_function(node), enclosing_function(go)):
            return None  # received in another goroutine or callback
        receives.append(parent)
    if not receives:
        return f"nothing in the function receives from {name}", Confidence.HIGH
    first = receives[0]
    case = first.parent.parent if first.parent is not None else None
    if first.parent is not None and first.parent.type == "communication_case":
        case = first.parent
    if case is not None and case.type == "communication_case":
        select = case.parent
        assert select is not None
        in_loop = _in_loop(select, body)
        for other in select_cases(select):
            if other.id == case.id:
                continue
            if any(is_within(r, other) for r in receives):
                continue
            if in_loop and not leaves_function(case_body(other)):
                continue
            later = [r for r in receives if r.start_byte > select.end_byte]
            if not in_loop and later:
                continue
            what = "the select's other case" if other.type == "communication_case" else "default"
            return (
                f"the receiver takes {what} at line {line_of(other)} instead",
                Confidence.HIGH,
            )
        return None
    for node in descendants(body):
        if (
            node.type == "return_statement"
            and go.end_byte <= node.start_byte < first.start_byte
            and not is_within(first, node)
        ):
            return (
                f"the function returns at line {line_of(node)} before receiving",
                Confidence.MEDIUM,
            )
    return None


def _in_loop(node: Node, stop: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.id != stop.id:
        if parent.type == "for_statement":
            return True
        if parent.type == "func_literal":
            return False
        parent = parent.parent
    return False
