"""Audit a tree of Go files on every core.

Finds the files (skipping ``vendor/``, ``testdata/``, hidden and ``_`` directories, test files
unless asked, and configured excludes), hands them to worker processes in chunks, each worker
parsing every file once, then resolves package-wide facts and suppressions in this process.
File reading happens here and in the workers; nothing is printed.
"""

from __future__ import annotations

import contextlib
import fnmatch
import multiprocessing
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tree_sitter import Parser

from gotriage.audit.config import AuditConfig, parse_go_version
from gotriage.audit.engine import FileResult, ParseProblem, Rule, audit_source, context_lines
from gotriage.audit.registry import all_rules
from gotriage.audit.syntax import new_parser
from gotriage.errors import InputError
from gotriage.model import Finding

# Workers start from a fork server (safe in threaded callers). bench/ switches to "fork" so that
# the workers are direct children and their peak memory shows in getrusage(RUSAGE_CHILDREN).
START_METHOD = "forkserver"
SKIPPED_DIRS = frozenset({"vendor", "testdata", "node_modules"})
_GO_DIRECTIVE = re.compile(rb"^go\s+(\d+)\.(\d+)", re.MULTILINE)


@dataclass(slots=True)
class AuditReport:
    """Everything one audit run found, ready for a renderer."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    files: int = 0
    generated: int = 0
    bytes_read: int = 0
    suppressed: int = 0
    lines: dict[tuple[str, int], str] = field(default_factory=dict)
    fixed: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # path -> (old, new)
    rules: tuple[type[Rule], ...] = ()


def discover(
    paths: Sequence[str], config: AuditConfig, *, include_tests: bool = False
) -> list[str]:
    """The Go files to audit under ``paths``, in a stable order."""
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            if path.suffix != ".go":
                raise InputError("not a Go source file", source=raw)
            found.append(str(path))
        elif path.is_dir():
            found.extend(_walk(path, config, include_tests))
        else:
            raise InputError("no such file or directory", source=raw)
    return list(dict.fromkeys(found))  # each file once, in the order found


def _walk(top: Path, config: AuditConfig, include_tests: bool) -> Iterable[str]:
    root = Path(config.root) if config.root else None
    for directory, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith((".", "_")))
        for name in sorted(files):
            if not name.endswith(".go") or (name.endswith("_test.go") and not include_tests):
                continue
            full = str(Path(directory) / name)
            if config.exclude and _excluded(full, config.exclude, root):
                continue
            yield full


def _excluded(path: str, patterns: Sequence[str], root: Path | None) -> bool:
    candidates = [path.replace(os.sep, "/"), Path(path).name]
    if root is not None:
        with contextlib.suppress(ValueError):
            candidates.append(Path(path).resolve().relative_to(root.resolve()).as_posix())
    return any(fnmatch.fnmatch(c, p) for c in candidates for p in patterns)


@cache
def go_version_for(directory: str) -> tuple[int, int]:
    """The ``go`` directive of the nearest go.mod above ``directory``; (0, 0) if none."""
    current = Path(directory).resolve()
    for candidate in (current, *current.parents):
        mod = candidate / "go.mod"
        if mod.is_file():
            try:
                match = _GO_DIRECTIVE.search(mod.read_bytes())
            except OSError:
                return (0, 0)
            return (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    return (0, 0)


# --- worker side -------------------------------------------------------------------------------

_worker_parser: list[Parser] = []  # one parser per worker process, built on first use


def _rules_for(rule_ids: tuple[str, ...]) -> list[type[Rule]]:
    return [r for r in all_rules() if r.id in rule_ids]


def audit_chunk(
    chunk: list[tuple[str, tuple[int, int]]],
    config: AuditConfig,
    rule_ids: tuple[str, ...],
    fix: bool,
) -> list[FileResult]:
    """Audit some files (runs in a worker process; the parser is built once per process)."""
    if not _worker_parser:
        _worker_parser.append(new_parser())
    parser = _worker_parser[0]
    rules = _rules_for(rule_ids)
    results = []
    for path, go_version in chunk:
        try:
            source = Path(path).read_bytes()
        except OSError as exc:
            result = FileResult(path=path)
            result.problem = ParseProblem(path, 0, f"cannot read: {exc.strerror}")
            results.append(result)
            continue
        result = audit_source(
            path,
            source,
            rules,
            config,
            go_version=go_version,
            parser=parser,
            fix=fix,
        )
        result.package_dir = str(Path(path).parent)
        result.lines = context_lines(
            source, [*result.findings, *(f for _, f in result.conditional)]
        )
        results.append(result)
    return results


# --- coordinator -------------------------------------------------------------------------------


def audit_files(
    files: Sequence[str],
    config: AuditConfig,
    *,
    jobs: int | None = None,
    fix: bool = False,
    applied: bool = False,
    advance: Callable[[int], None] | None = None,
) -> AuditReport:
    """Audit ``files``. With ``fix`` the report carries the rewritten files; with ``applied``
    too (the rewrite is written), findings the rewrite resolves are left out."""
    rules = tuple(r for r in all_rules() if config.rule_enabled(r.id))
    rule_ids = tuple(r.id for r in rules)
    forced = parse_go_version(config.go_version) if config.go_version else None
    work = [(f, forced or go_version_for(str(Path(f).resolve().parent))) for f in files]
    jobs = max(1, jobs or os.cpu_count() or 1)
    chunk_size = max(1, min(64, len(work) // (jobs * 8) or 1))
    chunks = [work[i : i + chunk_size] for i in range(0, len(work), chunk_size)]
    results: list[FileResult] = []
    if jobs == 1 or len(chunks) <= 1:
        for chunk in chunks:
            results.extend(audit_chunk(chunk, config, rule_ids, fix))
            if advance:
                advance(len(chunk))
    else:
        context = multiprocessing.get_context(START_METHOD)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(audit_chunk, c, config, rule_ids, fix) for c in chunks]
            for future, chunk in zip(futures, chunks, strict=True):
                results.extend(future.result())
                if advance:
                    advance(len(chunk))
    return _assemble(results, rules, drop_resolved=fix and applied)


def _assemble(
    results: list[FileResult], rules: tuple[type[Rule], ...], *, drop_resolved: bool
) -> AuditReport:
    report = AuditReport(rules=rules)
    packages: dict[tuple[str, str], list[FileResult]] = defaultdict(list)
    suppressions = {}
    for result in results:
        report.bytes_read += result.bytes_read
        if result.generated:
            report.generated += 1
            continue
        report.files += 1
        if result.problem is not None:
            report.problems.append(result.problem)
            continue
        packages[(result.package_dir, result.package)].append(result)
        suppressions[result.path] = result.suppressions
        report.lines.update({(result.path, n): t for n, t in result.lines.items()})
        if result.fixed is not None:
            report.fixed[result.path] = result.fixed
    findings: list[Finding] = []
    for members in packages.values():
        facts: dict[str, list[object]] = defaultdict(list)
        for member in members:
            for key, values in member.facts.items():
                facts[key].extend(values)
        for member in members:
            resolved = member.resolved if drop_resolved else set()
            for finding in member.findings:
                if (finding.rule, finding.location.line if finding.location else 0) not in resolved:
                    findings.append(finding)
            findings.extend(f for fact, f in member.conditional if not facts.get(fact))
        for rule in rules:
            findings.extend(rule.resolve_package(facts))
    kept = []
    for finding in findings:
        location = finding.location
        if (
            location is not None
            and (table := suppressions.get(location.file)) is not None
            and table.silences(finding.rule, location.line)
        ):
            report.suppressed += 1
            continue
        kept.append(finding)
    report.findings = sorted(
        set(kept),
        key=lambda f: (
            f.location.file if f.location else "",
            f.location.line if f.location else 0,
            f.location.column if f.location else 0,
            f.rule,
        ),
    )
    _fill_missing_lines(report)
    report.problems.sort(key=lambda p: (p.file, p.line))
    return report


def _fill_missing_lines(report: AuditReport) -> None:
    """Source lines for findings made after the workers (package-wide rules), each file read
    once."""
    missing: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        location = finding.location
        if location is not None and (location.file, location.line) not in report.lines:
            missing[location.file].append(finding)
    for path, findings in missing.items():
        try:
            source = Path(path).read_bytes()
        except OSError:
            continue
        report.lines.update(
            {(path, n): line for n, line in context_lines(source, findings).items()}
        )
