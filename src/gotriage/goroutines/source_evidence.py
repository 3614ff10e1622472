"""Evidence from the source: what the audit's goroutine-leak rules say about a blocking site.

When the file of a group's blocking site is on this machine (at the path in the dump or under
``--source-root``), the audit's GT2xx rules run on it, once per file, through the audit engine.
A finding on the blocking line, or elsewhere in the function that blocks (GT205 reports the
``return`` that leaves a lock held, a few lines below the ``Lock`` the waiters are parked on),
is evidence with its rule ID. The dump says where goroutines wait; the rule says why they
cannot be woken. The file is read through :class:`SourceLookup`'s public API only.
"""

from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.config import AuditConfig
from gotriage.audit.engine import Rule, audit_source
from gotriage.audit.registry import all_rules
from gotriage.audit.syntax import enclosing_function, new_parser
from gotriage.goroutines.group import Group
from gotriage.goroutines.source import SourceLookup
from gotriage.goroutines.suspects import Evidence
from gotriage.model import Confidence, Finding

LEAK_RULES_PREFIX = "GT2"
MAX_LINES = 20_000  # a Go file longer than this is generated, not a blocking site's home
MAX_FILES = 64  # files audited per report: a dump with sites in more files gets no more


def leak_rules() -> list[type[Rule]]:
    return [rule for rule in all_rules() if rule.id.startswith(LEAK_RULES_PREFIX)]


def _file_text(lookup: SourceLookup, file: str) -> str | None:
    lines: list[str] = []
    for number in range(1, MAX_LINES + 2):
        line = lookup.line(file, number)
        if line is None:
            break
        lines.append(line)
    if not lines or len(lines) > MAX_LINES:
        return None  # absent, or too long to be a hand-written blocking site's file
    return "\n".join(lines) + "\n"


def _function_span(root: Node, line: int, text: str) -> tuple[int, int] | None:
    """The lines of the innermost function holding ``line`` (1-based), or None."""
    column = len(text) - len(text.lstrip())
    point = (line - 1, column)
    node = root.descendant_for_point_range(point, point)
    function = enclosing_function(node) if node is not None else None
    if function is None:
        return None
    return function.start_point[0] + 1, function.end_point[0] + 1


class SourceEvidence:
    """Callable for :func:`gotriage.goroutines.analyse.analyse`: group in, evidence out."""

    def __init__(self, lookup: SourceLookup, rules: list[type[Rule]] | None = None) -> None:
        self.lookup = lookup
        self.rules = rules if rules is not None else leak_rules()
        self._audited: dict[str, tuple[list[Finding], Node | None]] = {}

    def _audit(self, file: str) -> tuple[list[Finding], Node | None]:
        found = self._audited.get(file)
        if found is None:
            found = self._audit_file(file) if len(self._audited) < MAX_FILES else ([], None)
            self._audited[file] = found
        return found

    def _audit_file(self, file: str) -> tuple[list[Finding], Node | None]:
        text = _file_text(self.lookup, file)
        if text is None:
            return [], None
        source = text.encode("utf-8", "replace")
        parser = new_parser()
        result = audit_source(file, source, self.rules, AuditConfig(), parser=parser)
        if result.problem is not None or result.generated:
            return [], None
        return result.findings, parser.parse(source).root_node

    def findings_at(self, file: str, line: int) -> list[Finding]:
        """GT2xx findings on ``line`` of ``file`` or in the function holding it."""
        if not file or not file.endswith(".go"):
            return []
        findings, root = self._audit(file)
        if not findings or root is None:
            return []
        span = _function_span(root, line, self.lookup.line(file, line) or "")
        at: list[Finding] = []
        for finding in findings:
            where = finding.location
            if where is None:
                continue
            if where.line == line or (span is not None and span[0] <= where.line <= span[1]):
                at.append(finding)
        return at

    def __call__(self, group: Group) -> list[Evidence]:
        site = group.site
        if site is None:
            return []
        evidence = []
        for finding in self.findings_at(site.file, site.line):
            line = finding.location.line if finding.location else 0
            where = "on the blocking line"
            if line != site.line:
                where = f"at line {line}, in the same function"
            evidence.append(
                Evidence(
                    "static-finding",
                    Confidence.MEDIUM,
                    f"audit rule {finding.rule} {where}: {finding.message}",
                    rule=finding.rule,
                )
            )
        return evidence
