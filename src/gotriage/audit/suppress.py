"""Suppression comments in Go source.

``//gotriage:ignore GT101 reason`` silences GT101 on its own line and on the line below it
(``//gotriage:ignore`` with no rule ID silences every rule there; several IDs may be separated
by commas). golangci-lint's ``//nolint`` is honoured the same way when it names no linter, or
names ``gotriage`` or a rule ID (``//nolint:gotriage``, ``//nolint:errcheck,GT201``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ALL = "*"
_IGNORE = re.compile(rb"//\s*gotriage:ignore\b([^\n]*)")
_NOLINT = re.compile(rb"//\s*nolint(?::([\w,\- ]+))?")
_RULE_ID = re.compile(r"GT\d{3}")


@dataclass(slots=True)
class Suppressions:
    """Line number -> rule IDs silenced there (``*`` for all)."""

    by_line: dict[int, set[str]] = field(default_factory=dict)

    def silences(self, rule: str, line: int) -> bool:
        silenced = self.by_line.get(line, set())
        return ALL in silenced or rule in silenced


def parse_suppressions(source: bytes) -> Suppressions:
    result = Suppressions()
    if b"gotriage:ignore" not in source and b"nolint" not in source:
        return result
    for number, line in enumerate(source.splitlines(), start=1):
        if b"//" not in line:
            continue
        ids = _ids_in(line)
        if ids is None:
            continue
        comment_only = line.lstrip().startswith(b"//")
        # A comment on a line of code covers that line; a comment on its own line also covers
        # the line below (where the finding is).
        for target in (number, number + 1) if comment_only else (number,):
            result.by_line.setdefault(target, set()).update(ids)
    return result


def _ids_in(line: bytes) -> set[str] | None:
    match = _IGNORE.search(line)
    if match:
        words = match.group(1).decode("utf-8", "replace").replace(",", " ").split()
        ids = {word for word in words if _RULE_ID.fullmatch(word)}
        return ids or {ALL}
    match = _NOLINT.search(line)
    if match:
        if match.group(1) is None:
            return {ALL}
        names = {name.strip() for name in match.group(1).decode().split(",")}
        if "gotriage" in names or "all" in names:
            return {ALL}
        ids = {name for name in names if _RULE_ID.fullmatch(name)}
        return ids or None
    return None
