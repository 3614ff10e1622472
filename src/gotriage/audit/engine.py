"""Audit one Go file: parse it once, walk the tree once, dispatch each node to the rules.

Rules subscribe to node types (``node_types``) and to calls by the called name (``call_names``:
``Lock``, ``ListenAndServe``, ...); the walk computes a call's name once and hands it to the
rules that asked. Whatever a rule can only decide with the whole file in view it decides in
``finish``; whatever needs the whole package (is ``Shutdown`` called anywhere?) goes back as a
fact or as a finding conditional on a fact, resolved by :mod:`gotriage.audit.package`.

No I/O: :func:`audit_source` takes bytes and returns a :class:`FileResult`. The engine knows
nothing of fixing: a caller that wants to rewrite the file (``--fix``) passes ``then``, which is
handed the file's context and syntax tree once the rules are done.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from tree_sitter import Node, Parser

from gotriage.audit.config import AuditConfig
from gotriage.audit.suppress import Suppressions, parse_suppressions
from gotriage.audit.syntax import bindings, line_of, new_parser, text
from gotriage.audit.testcode import file_reason, function_reason, mark
from gotriage.audit.values import Evaluator
from gotriage.model import Confidence, Finding, Location, Severity

GENERATED = re.compile(rb"^// Code generated .* DO NOT EDIT\.$", re.MULTILINE)
SNIPPET_CONTEXT = 2


class Reason(StrEnum):
    """Why a file (or a directory) was not audited; stable names for JSON and SARIF."""

    SYNTAX_ERROR = "syntax-error"  # tree-sitter found an error node; ``line`` is the first
    UNREADABLE = "unreadable"  # the operating system refused to open or read it
    NOT_REGULAR = "not-a-regular-file"  # a FIFO, a device, a socket (or a link to one)
    TOO_LARGE = "too-large"  # larger than the per-file size cap
    TIME_BUDGET = "time-budget"  # auditing it took longer than the per-file time budget
    INTERNAL_ERROR = "internal-error"  # a rule failed on it: a bug in gotriage
    WORKER_DIED = "worker-died"  # the worker process auditing it died
    UNLISTABLE = "unlistable-directory"  # a directory whose entries could not be listed


@dataclass(frozen=True, slots=True)
class NotAudited:
    """A file (or directory) that was not audited, and why; ``line`` of a syntax error, or 0."""

    file: str
    line: int
    message: str
    reason: Reason = Reason.SYNTAX_ERROR


ParseProblem = NotAudited  # its former name


@dataclass(slots=True)
class FileResult:
    """What auditing one file produced. Plain data, pickled back from worker processes."""

    path: str
    package_dir: str = ""
    package: str = ""
    findings: list[Finding] = field(default_factory=list)
    # (fact, finding): the finding stands only if no file of the package records the fact.
    conditional: list[tuple[str, Finding]] = field(default_factory=list)
    facts: dict[str, list[object]] = field(default_factory=dict)
    suppressions: Suppressions | None = None
    problem: NotAudited | None = None
    generated: bool = False
    lines: dict[int, str] = field(default_factory=dict)  # source lines around findings
    # Filled by the caller's ``then`` (see audit_source), not by the engine:
    fixed: tuple[bytes, bytes] | None = None  # (as read, as --fix rewrites it) when it changes
    resolved: set[tuple[str, int]] = field(default_factory=set)  # (rule, line) --fix resolves
    bytes_read: int = 0


class FileContext:
    """Everything a rule may ask about the file being audited, and where it reports."""

    def __init__(self, path: str, source: bytes, config: AuditConfig, go_version: tuple[int, int]):
        self.path = path
        self.source = source
        self.config = config
        self.go_version = go_version
        self.package = ""
        self.imports: dict[str, str] = {}  # local name -> import path
        self.dot_imports: set[str] = set()
        self.names: dict[str, Node | None] = {}  # identifier -> the one expression bound to it
        self.functions: dict[str, list[Node]] = defaultdict(list)
        self.findings: list[Finding] = []
        self.conditional: list[tuple[str, Finding]] = []
        self.facts: dict[str, list[object]] = defaultdict(list)
        self.shared: dict[str, object] = {}  # analyses several rules read (http servers ...)
        self.evaluator = Evaluator(self.names, self.package_of)
        self._test_file: str | None = None

    # --- imports ---------------------------------------------------------------------------
    def package_of(self, name: str) -> str:
        """The import path a qualifier names in this file, or "" if it names no import."""
        return self.imports.get(name, "")

    def names_for(self, path: str) -> set[str]:
        return {name for name, imported in self.imports.items() if imported == path}

    def imports_path(self, path: str) -> bool:
        return path in self.imports.values() or path in self.dot_imports

    def is_pkg(self, qualifier: str, path: str) -> bool:
        return self.imports.get(qualifier) == path

    def is_type(self, node: Node | None, path: str, name: str) -> bool:
        """``node`` names the type ``path.name`` (``http.Server``; ``Server`` if dot-imported)."""
        if node is None:
            return False
        if node.type == "qualified_type":
            return (
                text(node.child_by_field_name("name")) == name
                and self.imports.get(text(node.child_by_field_name("package"))) == path
            )
        if node.type == "type_identifier":
            return path in self.dot_imports and text(node) == name
        return False

    def value(self, node: Node | None) -> float | None:
        return self.evaluator.value(node)

    def declared_function(self, name: str) -> Node | None:
        """The function or method declared as ``name`` in this file, when exactly one is."""
        declared = self.functions.get(name, [])
        return declared[0] if len(declared) == 1 else None

    # --- reporting -------------------------------------------------------------------------
    def location(self, node: Node) -> Location:
        start, end = node.start_point, node.end_point
        return Location(self.path, start[0] + 1, start[1] + 1, end[0] + 1, end[1] + 1)

    def report(
        self,
        rule: type[Rule],
        node: Node,
        message: str,
        *,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        unless: str = "",
        fix: str = "",
    ) -> None:
        """Record a finding; with ``unless``, only if no file of the package records that fact.

        ``fix`` replaces the rule's general fix hint with one written for this finding."""
        finding = rule.finding_at(
            self.location(node), message, severity=severity, confidence=confidence, fix=fix
        )
        marked = self.mark_test_code(node, finding)
        if marked is None:
            return
        finding = marked
        if unless:
            self.conditional.append((unless, finding))
        else:
            self.findings.append(finding)

    def mark_test_code(self, node: Node, finding: Finding) -> Finding | None:
        """``finding`` as the ``test-code`` setting wants it when ``node`` is in code only
        tests use (see :mod:`gotriage.audit.testcode`); None when it is to be skipped."""
        if self._test_file is None:
            self._test_file = file_reason(self.path, self.package, self.source)
        reason = self._test_file or function_reason(node, self.names_for("testing"))
        return mark(finding, reason, self.config.test_code)


class Rule:
    """Base of every rule. The subclass docstring is the rule's documentation."""

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.HIGH
    fix_hint: ClassVar[str] = ""
    fixable: ClassVar[bool] = False
    # The rule runs only on files importing one of these ("" = every file).
    imports: ClassVar[tuple[str, ...]] = ()
    node_types: ClassVar[frozenset[str]] = frozenset()
    call_names: ClassVar[frozenset[str]] = frozenset()
    # Shared analyses (see gotriage.audit.shared) this rule reads; the engine runs them first.
    uses: ClassVar[tuple[type[Rule], ...]] = ()

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx

    def visit(self, node: Node) -> None:
        """Called for every node whose type is in ``node_types``."""

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        """Called for every call whose called name is in ``call_names``."""

    def finish(self) -> None:
        """Called once the whole file has been walked."""

    @classmethod
    def finding_at(
        cls,
        location: Location,
        message: str,
        *,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        fix: str = "",
    ) -> Finding:
        return Finding(
            rule=cls.id,
            severity=severity or cls.severity,
            location=location,
            message=message,
            fix=fix or cls.fix_hint,
            confidence=confidence or cls.confidence,
            title=cls.title,
        )

    @classmethod
    def resolve_package(cls, facts: dict[str, list[object]]) -> list[Finding]:
        """Findings that need every file of a package (facts merged across its files)."""
        return []

    @classmethod
    def applies_to(cls, ctx: FileContext) -> bool:
        return not cls.imports or any(ctx.imports_path(path) for path in cls.imports)


def _read_imports(root: Node, ctx: FileContext) -> None:
    for declaration in root.named_children:
        if declaration.type == "package_clause":
            ctx.package = text(declaration.named_child(0))
        if declaration.type != "import_declaration":
            continue
        specs = [n for n in declaration.named_children if n.type == "import_spec"]
        for spec_list in declaration.named_children:
            if spec_list.type == "import_spec_list":
                specs.extend(n for n in spec_list.named_children if n.type == "import_spec")
        for spec in specs:
            path = text(spec.child_by_field_name("path")).strip('"`')
            alias = spec.child_by_field_name("name")
            if alias is None:
                parts = path.split("/")
                local = parts[-1]
                if len(parts) > 1 and re.fullmatch(r"v\d+", local):
                    local = parts[-2]
                ctx.imports[local] = path
            elif alias.type == "dot":
                ctx.dot_imports.add(path)
            elif alias.type == "package_identifier":
                ctx.imports[text(alias)] = path


class _Names(Rule):
    """Collects const/var bindings for constant folding and the file's functions by name."""

    node_types = frozenset({"const_spec", "var_spec", "function_declaration", "method_declaration"})

    def visit(self, node: Node) -> None:
        if node.type in ("function_declaration", "method_declaration"):
            self.ctx.functions[text(node.child_by_field_name("name"))].append(node)
            return
        for name, bound in bindings(node):
            # A name bound twice (shadowing, two functions) is not folded.
            self.ctx.evaluator.bind(text(name), bound)


def first_error(root: Node) -> Node | None:
    cursor = root.walk()
    while True:
        node = cursor.node
        if node is not None and (node.is_error or node.is_missing):
            return node
        if node is not None and node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return None


def is_generated(source: bytes) -> bool:
    """The file says it is generated (``// Code generated ... DO NOT EDIT.`` before its package
    clause, as Go's convention has it). The first few KiB of a file are enough to tell."""
    head = source[: source.find(b"\npackage ") + 1] if b"\npackage " in source else source[:4096]
    return source.startswith(b"// Code generated") or GENERATED.search(head) is not None


def audit_source(
    path: str,
    source: bytes,
    rules: list[type[Rule]],
    config: AuditConfig,
    *,
    go_version: tuple[int, int] = (0, 0),
    parser: Parser | None = None,
    then: Callable[[FileContext, Node, FileResult], None] | None = None,
) -> FileResult:
    """Audit one file's bytes with the given rule classes. ``then``, if given, is called with
    the file's context, its syntax tree and the result once the rules are done (for a file
    that parsed and is not generated)."""
    result = FileResult(path=path, bytes_read=len(source))
    if is_generated(source):
        result.generated = True
        return result
    tree = (parser or new_parser()).parse(source)
    root = tree.root_node
    if root.has_error:
        bad = first_error(root)
        line = bad.start_point[0] + 1 if bad is not None else 0
        what = "missing " + bad.type if bad is not None and bad.is_missing else "syntax error"
        result.problem = NotAudited(path, line, f"{what}; file not audited")
        return result
    ctx = FileContext(path, source, config, go_version)
    _read_imports(root, ctx)
    result.package = ctx.package
    active: list[Rule] = [_Names(ctx)]
    seen: set[type[Rule]] = {_Names}
    for rule_class in rules:
        if not rule_class.applies_to(ctx):
            continue
        for dependency in (*rule_class.uses, rule_class):
            if dependency not in seen and dependency.applies_to(ctx):
                seen.add(dependency)
                active.append(dependency(ctx))
    by_type: dict[str, list[Rule]] = defaultdict(list)
    by_call: dict[str, list[Rule]] = defaultdict(list)
    for rule in active:
        for node_type in rule.node_types:
            by_type[node_type].append(rule)
        for call_name in rule.call_names:
            by_call[call_name].append(rule)
    _walk(root, by_type, by_call)
    for rule in active:
        rule.finish()
    result.findings = ctx.findings
    result.conditional = ctx.conditional
    result.facts = dict(ctx.facts)
    result.suppressions = parse_suppressions(source)
    if then is not None:
        then(ctx, root, result)
    return result


def _walk(root: Node, by_type: dict[str, list[Rule]], by_call: dict[str, list[Rule]]) -> None:
    cursor = root.walk()
    get_type = by_type.get
    while True:
        node = cursor.node
        assert node is not None
        kind = node.type
        handlers = get_type(kind)
        if handlers:
            for rule in handlers:
                rule.visit(node)
        if kind == "call_expression" and by_call:
            function = node.child_by_field_name("function")
            if function is not None:
                if function.type == "selector_expression":
                    field_node = function.child_by_field_name("field")
                    name = text(field_node)
                    callers = by_call.get(name)
                    if callers:
                        qualifier = text(function.child_by_field_name("operand"))
                        for rule in callers:
                            rule.visit_call(node, qualifier, name)
                elif function.type == "identifier":
                    name = text(function)
                    callers = by_call.get(name)
                    if callers:
                        for rule in callers:
                            rule.visit_call(node, "", name)
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def context_lines(source: bytes, findings: Iterable[Finding]) -> dict[int, str]:
    """The source lines around each finding, by line number, for renderers that show context."""
    wanted: set[int] = set()
    for finding in findings:
        line = finding.location.line if finding.location is not None else 0
        if line:
            wanted.update(range(max(1, line - SNIPPET_CONTEXT), line + SNIPPET_CONTEXT + 1))
    if not wanted:
        return {}
    lines = source.decode("utf-8", "replace").splitlines()
    return {n: lines[n - 1] for n in sorted(wanted) if n <= len(lines)}


__all__ = [
    "FileContext",
    "FileResult",
    "NotAudited",
    "ParseProblem",
    "Reason",
    "Rule",
    "audit_source",
    "is_generated",
    "line_of",
]
