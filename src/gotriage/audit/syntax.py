"""Small questions asked of a tree-sitter-go syntax tree.

Everything here is pure: it takes nodes (and the file's import table) and returns answers. The
rules share these so that "is this a call to net/http's ListenAndServe" is decided one way.
"""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter_go
from tree_sitter import Language, Node, Parser

GO_LANGUAGE = Language(tree_sitter_go.language())

FUNCTION_NODES = frozenset({"function_declaration", "method_declaration", "func_literal"})
LOOP_OR_SWITCH = frozenset(
    {"for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"}
)


def new_parser() -> Parser:
    return Parser(GO_LANGUAGE)


def text(node: Node | None) -> str:
    if node is None:
        return ""
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def line_of(node: Node) -> int:
    """1-based line where ``node`` starts."""
    return node.start_point[0] + 1


def unparen(node: Node | None) -> Node | None:
    while node is not None and node.type == "parenthesized_expression":
        node = node.named_child(0)
    return node


def call_parts(call: Node) -> tuple[str, str]:
    """``(qualifier, name)`` of a call: ``http.Get(...)`` gives ``("http", "Get")``,
    ``s.mu.Lock()`` gives ``("s.mu", "Lock")``, ``close(ch)`` gives ``("", "close")``."""
    function = call.child_by_field_name("function")
    if function is None:
        return "", ""
    if function.type == "selector_expression":
        return (
            text(function.child_by_field_name("operand")),
            text(function.child_by_field_name("field")),
        )
    if function.type == "identifier":
        return "", text(function)
    return "", ""


def arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return list(args.named_children) if args is not None else []


def enclosing_function(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in FUNCTION_NODES:
            return parent
        parent = parent.parent
    return None


def function_body(function: Node) -> Node | None:
    return function.child_by_field_name("body")


def enclosing_body(node: Node) -> Node | None:
    """The body of the function ``node`` is in."""
    function = enclosing_function(node)
    return function_body(function) if function is not None else None


def go_literal(go: Node) -> Node | None:
    """The func literal a ``go`` statement starts (``go func() {...}()``), if it is one."""
    call = go.named_child(0)
    literal = call.child_by_field_name("function") if call is not None else None
    return literal if literal is not None and literal.type == "func_literal" else None


def bindings(node: Node) -> list[tuple[Node, Node | None]]:
    """Each name a declaration or assignment binds, with its value: ``a, b := x, y``, ``a = x``,
    ``var a, b = x, y``, ``const a = x``. The values are None when the two sides do not pair up
    (``a, b := f()``, ``var a int``); any other node binds nothing."""
    if node.type in ("var_spec", "const_spec"):
        names = node.children_by_field_name("name")
        right = node.child_by_field_name("value")
    elif node.type in ("short_var_declaration", "assignment_statement"):
        left = node.child_by_field_name("left")
        names = left.named_children if left is not None else []
        right = node.child_by_field_name("right")
    else:
        return []
    values = right.named_children if right is not None else []
    if len(values) != len(names):
        return [(name, None) for name in names]
    return list(zip(names, values, strict=True))


def descendants(node: Node, *, into_functions: bool = False) -> Iterator[Node]:
    """Every named node below ``node``, depth first; by default not into nested func literals."""
    stack = list(reversed(node.named_children))
    while stack:
        current = stack.pop()
        yield current
        if current.type == "func_literal" and not into_functions:
            continue
        stack.extend(reversed(current.named_children))


def calls_in(node: Node, *, into_functions: bool = False) -> Iterator[tuple[Node, str, str]]:
    for child in descendants(node, into_functions=into_functions):
        if child.type == "call_expression":
            qualifier, name = call_parts(child)
            yield child, qualifier, name


def same(a: Node | None, b: Node | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.id == b.id


def is_within(node: Node, ancestor: Node) -> bool:
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


def is_receive(node: Node) -> bool:
    """``<-x`` as an expression."""
    return (
        node.type == "unary_expression" and node.child(0) is not None and node.child(0).type == "<-"
    )


def block_statements(block: Node) -> list[Node]:
    for child in block.named_children:
        if child.type == "statement_list":
            return list(child.named_children)
    return []


def select_cases(select: Node) -> list[Node]:
    return [c for c in select.named_children if c.type in ("communication_case", "default_case")]


def case_body(case: Node) -> list[Node]:
    """The statements of a select/switch case (everything after its header)."""
    out: list[Node] = []
    for child in case.named_children:
        if child.type == "statement_list":
            out.extend(child.named_children)
    return out


EXIT_CALLS = frozenset({"panic", "Exit", "Goexit", "Fatal", "Fatalf", "Fatalln"})


def leaves_function(statements: list[Node]) -> bool:
    """True when any of ``statements`` returns, panics or exits (not inside nested funcs)."""
    for statement in statements:
        for node in (statement, *descendants(statement)):
            if node.type == "return_statement" or node.type == "goto_statement":
                return True
            if node.type == "call_expression" and call_parts(node)[1] in EXIT_CALLS:
                return True
    return False
