"""Shared helpers for the audit tests: the Go fixture packages under tests/go/audit."""

from __future__ import annotations

import re
from pathlib import Path

GO_MODULE = Path(__file__).parents[1] / "go"
FIXTURES = GO_MODULE / "audit"
WANT = re.compile(r"//\s*want\s+(.*)$")
QUOTED = re.compile(r'"(GT\d{3})"')
FIXED_RULES = ("GT101", "GT103", "GT104")  # what --fix resolves, exercised by tests/go/audit/fix


def fixture_packages() -> list[Path]:
    return sorted({p.parent for p in FIXTURES.rglob("*.go")})


def expected_marks(package: Path) -> set[tuple[str, int, str]]:
    """(file name, line, rule) for every ``// want "GT..."`` mark in the package."""
    marks = set()
    for path in sorted(package.glob("*.go")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = WANT.search(line)
            if match:
                marks.update((path.name, number, rule) for rule in QUOTED.findall(match.group(1)))
    return marks
