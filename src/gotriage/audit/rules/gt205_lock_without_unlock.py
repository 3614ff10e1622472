from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.syntax import bindings, call_parts, descendants, enclosing_body, line_of, text
from gotriage.model import Severity

UNLOCK = {"Lock": "Unlock", "RLock": "RUnlock"}


class LockWithoutUnlock(Rule):
    """``Lock()`` followed by a ``return`` that skips the matching ``Unlock()``, with no defer.

    Why it matters: a return that leaves a ``sync.Mutex`` locked blocks every later ``Lock``
    on it forever. Goroutines pile up in ``sync.runtime_SemacquireMutex`` (the Go 1.27 leak
    profile reports them), requests hang, and the process looks alive while doing nothing.
    The early return is usually an error path added after the lock/unlock pair was written.

    Bad::

        mu.Lock()
        if err := check(); err != nil {
            return err // mu stays locked
        }
        mu.Unlock()

    Good::

        mu.Lock()
        defer mu.Unlock()
        if err := check(); err != nil {
            return err
        }

    A call to a local closure that unlocks (``fail := func() { mu.Unlock() }``, then
    ``fail(); return`` or ``return fail(err)``) releases the lock on that path.

    The rule only reports when the same block unlocks later (so the function means to release
    the lock itself); functions that return with the lock held on purpose, and say so in their
    doc comment ("locked", "held", "caller must unlock"), stay silent.

    How to fix: ``defer mu.Unlock()`` right after ``Lock()``, or unlock before each return.
    """

    id = "GT205"
    name = "lock-without-unlock"
    title = "return between Lock() and Unlock() without defer"
    severity = Severity.HIGH
    fix_hint = "defer mu.Unlock() right after mu.Lock()"
    call_names = frozenset(UNLOCK)

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        statement = node.parent
        if not qualifier or statement is None or statement.type != "expression_statement":
            return
        block = statement.parent
        if block is None or block.type != "statement_list":
            return
        unlock = UNLOCK[name]
        following = [s for s in block.named_children if s.start_byte > statement.start_byte]
        end = None
        for index, sibling in enumerate(following):
            if _is_call(sibling, qualifier, unlock, deferred=True):
                return
            if _is_call(sibling, qualifier, unlock):
                end = index
                break
        if end is None or _documented_handoff(node):
            return
        between = following[:end]
        releasers = _releasing_closures(node, qualifier, unlock)
        for sibling in between:
            for inner in (sibling, *descendants(sibling)):
                if inner.type != "return_statement":
                    continue
                if not _released_before(inner, block, qualifier, unlock, releasers):
                    self.ctx.report(
                        type(self),
                        inner,
                        f"return leaves {qualifier} locked: {qualifier}.{name}() at line "
                        f"{line_of(node)} is released only at line {line_of(following[end])}",
                        fix=f"defer {qualifier}.{unlock}() right after {qualifier}.{name}()",
                    )
                    return


HANDOFF_WORDS = ("locked", "held", "unlock")


def _documented_handoff(node: Node) -> bool:
    """The function's doc comment says it returns with the lock held ("caller must unlock")."""
    function = node.parent
    while function is not None and function.type not in (
        "function_declaration",
        "method_declaration",
    ):
        function = function.parent
    comment = function.prev_named_sibling if function is not None else None
    while comment is not None and comment.type == "comment":
        if any(
            word in (comment.text or b"").decode("utf-8", "replace").lower()
            for word in HANDOFF_WORDS
        ):
            return True
        comment = comment.prev_named_sibling
    return False


def _releasing_closures(node: Node, receiver: str, method: str) -> frozenset[str]:
    """Names bound in the enclosing function to a func literal that calls ``receiver.method()``
    (``fail := func() { mu.Unlock() }``)."""
    body = enclosing_body(node)
    if body is None:
        return frozenset()
    names = set()
    for statement in descendants(body):
        if statement.type not in ("short_var_declaration", "var_spec", "assignment_statement"):
            continue
        for name, value in bindings(statement):
            if value is None or value.type != "func_literal" or name.type != "identifier":
                continue
            if any(
                inner.type == "call_expression" and call_parts(inner) == (receiver, method)
                for inner in descendants(value)
            ):
                names.add(text(name))
    return frozenset(names)


def _calls_releaser(node: Node, releasers: frozenset[str]) -> bool:
    """``node`` (a statement) calls one of the releasing closures, outside nested functions."""
    if not releasers:
        return False
    return any(
        inner.type == "call_expression" and call_parts(inner) in {("", n) for n in releasers}
        for inner in (node, *descendants(node))
    )


def _is_call(statement: Node, receiver: str, method: str, *, deferred: bool = False) -> bool:
    wanted = "defer_statement" if deferred else "expression_statement"
    if statement.type != wanted:
        return False
    call = statement.named_child(0)
    return (
        call is not None
        and call.type == "call_expression"
        and call_parts(call) == (receiver, method)
    )


def _released_before(
    node: Node, block: Node, receiver: str, method: str, releasers: frozenset[str]
) -> bool:
    if _calls_releaser(node, releasers):
        return True  # return fail(err)
    current = node
    while current.parent is not None and current.parent.id != block.id:
        parent = current.parent
        if parent.type == "statement_list":
            for sibling in parent.named_children:
                if sibling.start_byte >= current.start_byte:
                    break
                if (
                    _is_call(sibling, receiver, method)
                    or _is_call(sibling, receiver, method, deferred=True)
                    or (
                        sibling.type in ("expression_statement", "defer_statement")
                        and _calls_releaser(sibling, releasers)
                    )
                ):
                    return True
        current = parent
    return False
