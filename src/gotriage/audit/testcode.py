"""Code that only tests use, outside ``_test.go`` files.

Libraries ship test infrastructure as ordinary packages (``testutil``, ``httptest``,
``internal/testutils``, a ``testsuites`` package) and ordinary files hold helpers named for
tests (``NewTestServer``, a function taking ``*testing.T``). A server without timeouts there is
true as written and harmless: it serves a test. Findings in such code are marked with the reason
and, by default, lowered to at most ``low`` so that they neither fail CI nor sit among the
production findings; the ``test-code`` setting (``--test-code``) can skip them or report them
unchanged.

Pure: everything is decided from the file's path, package name, build constraints and syntax.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePath

from tree_sitter import Node

from gotriage.audit.syntax import text
from gotriage.model import Finding, Severity

TEST_CODE_MODES = ("lower", "skip", "report")

# Package (and directory) names of test infrastructure: testutil, testutils, testhelpers,
# testsuites, testenv, httptest, grpctest, iotest, mocks, fakes ...
_TEST_PACKAGE = re.compile(
    r"^(tests?|testing|testutils?|testhelpers?|testsuites?|testenv|testserver|testfixtures"
    r"|mocks?|fakes?|e2e|[a-z0-9]*(?<!la)test(ing|util|utils)?)$"
)
# Directory names that mark everything below them (``internal/testutils/xds/e2e``); narrower
# than package names so that a checkout under ``~/test/`` is not all test code.
_TEST_DIRECTORY = re.compile(r"^(testutils?|testhelpers?|testsuites?|testenv)$")
# File names: test_helpers.go, functional_tests.go, testutil.go, mock_store.go.
_TEST_FILE = re.compile(r"(^|_)(tests?|testutils?|testhelpers?|testing|mock|fake)(_|$)")
# Function names for tests: NewTestServer, newTestClient, setupTest, TestMain, mustStartTest.
_TEST_FUNCTION = re.compile(
    r"(^[Tt]est|[a-z0-9]Test|_[Tt]est)([A-Z_0-9]|s?$)|^(Mock|mock|Fake|fake)[A-Z]"
)
_BUILD_IGNORE = re.compile(rb"^//(go:build|\s*\+build)\s+ignore\s*$", re.MULTILINE)
_TESTING_TYPES = frozenset({"T", "TB", "B", "F"})


def file_reason(path: str, package: str, source: bytes) -> str:
    """Why the whole file is test support code, or ""."""
    pure = PurePath(path)
    if _TEST_PACKAGE.match(package):
        return f"package {package}"
    for directory in pure.parent.parts:
        if _TEST_DIRECTORY.match(directory):
            return f"under {directory}/"
    if _TEST_FILE.search(pure.stem):
        return f"file {pure.name}"
    head = source[: source.find(b"\npackage ") + 1] if b"\npackage " in source else b""
    if head and _BUILD_IGNORE.search(head):
        return "built only by hand (build constraint ignore)"
    return ""


def function_reason(node: Node, testing_names: set[str]) -> str:
    """Why the top-level function around ``node`` is a test helper, or ""."""
    function = None
    current = node.parent
    while current is not None:
        if current.type in ("function_declaration", "method_declaration"):
            function = current
        current = current.parent
    if function is None:
        return ""
    name = text(function.child_by_field_name("name"))
    if _TEST_FUNCTION.search(name):
        return f"function {name}"
    if testing_names and _takes_testing(function, testing_names):
        return f"function {name} takes a *testing value"
    return ""


def _takes_testing(function: Node, testing_names: set[str]) -> bool:
    parameters = function.child_by_field_name("parameters")
    if parameters is None:
        return False
    for parameter in parameters.named_children:
        kind = parameter.child_by_field_name("type")
        while kind is not None and kind.type == "pointer_type":
            kind = kind.named_child(0)
        if (
            kind is not None
            and kind.type == "qualified_type"
            and text(kind.child_by_field_name("package")) in testing_names
            and text(kind.child_by_field_name("name")) in _TESTING_TYPES
        ):
            return True
    return False


def mark(finding: Finding, reason: str, mode: str) -> Finding | None:
    """The finding as reported in test support code: lowered (default), dropped, or kept."""
    if not reason or mode == "report":
        return replace(finding, test_code=reason) if reason else finding
    if mode == "skip":
        return None
    severity = finding.severity
    if severity.rank > Severity.LOW.rank:
        severity = Severity.LOW
    return replace(
        finding,
        severity=severity,
        test_code=reason,
        message=f"{finding.message} (test support code: {reason})",
    )
