"""Audit a tree of Go files on every core, whatever the tree holds.

Finds the files (skipping ``vendor/``, ``testdata/``, hidden and ``_`` directories, test files
unless asked, and configured excludes), hands them to worker processes in chunks, each worker
parsing every file once, then resolves package-wide facts and suppressions in this process.
File reading happens here and in the workers; nothing is printed.

A repository is untrusted input, so no file can sink the run: only regular files are read
(never a FIFO, a device, or a link to one), at most ``max_file_size`` bytes each; each file has
a time budget (a timer in the worker, and behind it the pool, which stops a worker that
overruns its chunk and audits that chunk's files one by one); a rule that fails, a worker that
dies, a directory that cannot be listed: each is listed as not audited, with the reason, and
the rest of the run is reported.
"""

from __future__ import annotations

import contextlib
import fnmatch
import multiprocessing
import os
import re
import signal
import stat
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import FrameType, TracebackType

from pebble import ProcessExpired, ProcessPool
from tree_sitter import Node, Parser

from gotriage.audit.config import AuditConfig, parse_go_version
from gotriage.audit.engine import (
    FileContext,
    FileResult,
    NotAudited,
    Reason,
    Rule,
    audit_source,
    context_lines,
    is_generated,
)
from gotriage.audit.fix import fix_source
from gotriage.audit.registry import all_rules
from gotriage.audit.syntax import new_parser
from gotriage.errors import InputError
from gotriage.model import Finding
from gotriage.units import format_duration, format_size

# Workers start from a fork server (safe in threaded callers). bench/ switches to "fork" so that
# the workers are direct children and their peak memory shows in getrusage(RUSAGE_CHILDREN).
START_METHOD = "forkserver"
SKIPPED_DIRS = frozenset({"vendor", "testdata", "node_modules"})
_GO_DIRECTIVE = re.compile(rb"^go\s+(\d+)\.(\d+)", re.MULTILINE)
HEAD_BYTES = 64 << 10  # enough of an oversized file to see whether it says it is generated
# A chunk may run for the budget of one file plus this much for each of its files before the
# pool stops its worker; a single file, for its budget plus GRACE_SECONDS.
CHUNK_SECONDS_PER_FILE = 1.0
GRACE_SECONDS = 5.0
POOL_ROUNDS = 3  # pools started again, at most, after one broke whole


@dataclass(slots=True)
class AuditReport:
    """Everything one audit run found, ready for a renderer."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[NotAudited] = field(default_factory=list)  # files and directories not audited
    files: int = 0
    generated: int = 0
    bytes_read: int = 0
    suppressed: int = 0
    lines: dict[tuple[str, int], str] = field(default_factory=dict)
    fixed: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # path -> (old, new)
    rules: tuple[type[Rule], ...] = ()


@dataclass(slots=True)
class Discovered:
    """The Go files to audit, and the directories that could not be listed."""

    files: list[str] = field(default_factory=list)
    not_audited: list[NotAudited] = field(default_factory=list)


def discover(
    paths: Sequence[str], config: AuditConfig, *, include_tests: bool = False
) -> Discovered:
    """The Go files to audit under ``paths``, in a stable order.

    Whether a file is a regular file is decided when it is read (a FIFO or a link to a device
    is listed as not audited then), so that nothing is opened twice."""
    found = Discovered()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.files.extend(_walk(path, config, include_tests, found.not_audited))
        elif os.path.lexists(raw):
            if path.suffix != ".go":
                raise InputError("not a Go source file", source=raw)
            found.files.append(str(path))
        else:
            raise InputError("no such file or directory", source=raw)
    found.files = list(dict.fromkeys(found.files))  # each file once, in the order found
    return found


def _walk(
    top: Path, config: AuditConfig, include_tests: bool, unlisted: list[NotAudited]
) -> Iterable[str]:
    root = Path(config.root) if config.root else None

    def cannot_list(error: OSError) -> None:
        where = str(error.filename or top)
        message = f"cannot list directory: {error.strerror or error}; not audited"
        unlisted.append(NotAudited(where, 0, message, Reason.UNLISTABLE))

    for directory, dirs, files in os.walk(top, onerror=cannot_list):
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
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            candidates.append(Path(path).resolve().relative_to(root.resolve()).as_posix())
    return any(fnmatch.fnmatch(c, p) for c in candidates for p in patterns)


@cache
def go_version_for(directory: str) -> tuple[int, int]:
    """The ``go`` directive of the nearest go.mod above ``directory``; (0, 0) if none."""
    current = Path(directory)
    for candidate in (current, *current.parents):
        mod = candidate / "go.mod"
        try:
            if not mod.is_file():
                continue
            with mod.open("rb") as stream:
                match = _GO_DIRECTIVE.search(stream.read(HEAD_BYTES))
        except OSError:
            return (0, 0)
        return (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    return (0, 0)


def _directory_of(path: str) -> str:
    try:
        return str(Path(path).resolve().parent)
    except (OSError, RuntimeError):  # a link loop: its own directory is all there is
        return str(Path(path).absolute().parent)


# --- worker side -------------------------------------------------------------------------------

_worker_parser: list[Parser] = []  # one parser per worker process, built on first use


def _rules_for(rule_ids: tuple[str, ...]) -> list[type[Rule]]:
    return [r for r in all_rules() if r.id in rule_ids]


_FILE_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def read_source(path: str, max_size: int) -> bytes | FileResult:
    """The bytes of the regular file at ``path`` (at most ``max_size``), or the result that
    says why it is not audited (a generated file over the cap is skipped as generated)."""
    try:
        before = Path(path).stat()  # follows links: a link to /dev/zero is a device
        if not stat.S_ISREG(before.st_mode):
            return _not_audited(path, _not_regular(before.st_mode), Reason.NOT_REGULAR)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return _not_audited(
            path, f"cannot read: {exc.strerror or exc}; not audited", Reason.UNREADABLE
        )
    try:
        status = os.fstat(fd)  # what was opened, in case the path changed since the stat
        if not stat.S_ISREG(status.st_mode):
            return _not_audited(path, _not_regular(status.st_mode), Reason.NOT_REGULAR)
        oversized = status.st_size > max_size
        left = HEAD_BYTES if oversized else max_size + 1  # one more: did it grow?
        # One read of the size fstat gives (one buffer, not pieces to join); a regular file
        # returns less than asked only at its end, so more reads only if it grew meanwhile.
        chunks = []
        want = min(left, status.st_size + 1)
        while want > 0:
            chunks.append(os.read(fd, want))
            if len(chunks[-1]) < want:
                break
            left -= want
            want = min(left, 1 << 20)
    except OSError as exc:
        return _not_audited(
            path, f"cannot read: {exc.strerror or exc}; not audited", Reason.UNREADABLE
        )
    finally:
        os.close(fd)
    source = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if not oversized and len(source) <= max_size:
        return source
    if is_generated(source[:HEAD_BYTES]):
        return FileResult(path=path, generated=True, bytes_read=len(source))
    size = format_size(max(status.st_size, len(source)))
    message = (
        f"larger than the {format_size(max_size)} per-file cap ({size}); not audited "
        "(--max-file-size raises the cap)"
    )
    return _not_audited(path, message, Reason.TOO_LARGE)


def _not_regular(mode: int) -> str:
    kind = _FILE_KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return f"not a regular file ({kind}); not read"


def _not_audited(path: str, message: str, reason: Reason) -> FileResult:
    return FileResult(path=path, problem=NotAudited(path, 0, message, reason))


class _OverBudget(BaseException):
    """Raised by the budget timer in the middle of a file (a BaseException so that no rule's
    ``except Exception`` can swallow it)."""


@contextlib.contextmanager
def _budget_timer() -> Iterator[Callable[[float], None]]:
    """``arm(seconds)`` raises _OverBudget once ``seconds`` have passed (0 disarms). Only the
    main thread of a process can take signals; elsewhere, ``arm`` does nothing and the pool's
    limit is the only bound."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield lambda seconds: None
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise _OverBudget

    def arm(seconds: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    try:
        yield arm
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def apply_fix(ctx: FileContext, root: Node, result: FileResult) -> None:
    """``--fix``: the file as fix_source rewrites it, when that changes it."""
    fixed, resolved = fix_source(ctx, root)
    if fixed is not None and fixed != ctx.source:
        result.fixed = (ctx.source, fixed)
        result.resolved = resolved


def audit_chunk(
    chunk: list[tuple[str, tuple[int, int]]],
    config: AuditConfig,
    rule_ids: tuple[str, ...],
    fix: bool,
) -> list[FileResult]:
    """Audit some files (runs in a worker process; the parser is built once per process).

    Whatever one file does, the others are audited: a file over its time budget or that makes
    a rule fail comes back as not audited."""
    if not _worker_parser:
        _worker_parser.append(new_parser())
    parser = _worker_parser[0]
    rules = _rules_for(rule_ids)
    results = []
    with _budget_timer() as arm:
        for path, go_version in chunk:
            try:
                arm(config.file_timeout)
                try:
                    result = _audit_file(path, go_version, config, rules, parser, fix)
                finally:
                    arm(0)
            except _OverBudget:
                parser.reset()
                message = (
                    f"took longer than the {format_duration(config.file_timeout)} per-file "
                    "time budget; not audited (--file-timeout raises it)"
                )
                result = _not_audited(path, message, Reason.TIME_BUDGET)
            except Exception as exc:  # a bug in a rule must not cost the other files
                parser.reset()
                result = _not_audited(path, _crash_message(exc), Reason.INTERNAL_ERROR)
            results.append(result)
    return results


def _audit_file(
    path: str,
    go_version: tuple[int, int],
    config: AuditConfig,
    rules: list[type[Rule]],
    parser: Parser,
    fix: bool,
) -> FileResult:
    source = read_source(path, config.max_file_size)
    if isinstance(source, FileResult):
        return source
    result = audit_source(
        path,
        source,
        rules,
        config,
        go_version=go_version,
        parser=parser,
        then=apply_fix if fix else None,
    )
    result.package_dir = str(Path(path).parent)
    result.lines = context_lines(source, [*result.findings, *(f for _, f in result.conditional)])
    return result


def _crash_message(exc: BaseException) -> str:
    """Which rule failed, and how, in one line."""
    failing = "the audit engine"
    traceback: TracebackType | None = exc.__traceback__
    while traceback is not None:  # the innermost frame that runs a rule's method names it
        owner = traceback.tb_frame.f_locals.get("self")
        if isinstance(owner, Rule):
            failing = f"rule {owner.id or type(owner).__name__}"
        traceback = traceback.tb_next
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"{failing} failed ({what}); not audited. This is a bug in gotriage: please report it"


# --- coordinator -------------------------------------------------------------------------------

WorkItem = tuple[str, tuple[int, int]]


def audit_files(
    files: Sequence[str],
    config: AuditConfig,
    *,
    jobs: int | None = None,
    fix: bool = False,
    applied: bool = False,
    advance: Callable[[int], None] | None = None,
    not_audited: Sequence[NotAudited] = (),
) -> AuditReport:
    """Audit ``files``. With ``fix`` the report carries the rewritten files; with ``applied``
    too (the rewrite is written), findings the rewrite resolves are left out. ``not_audited``
    (directories that could not be listed) is carried into the report."""
    rules = tuple(r for r in all_rules() if config.rule_enabled(r.id))
    rule_ids = tuple(r.id for r in rules)
    forced = parse_go_version(config.go_version) if config.go_version else None
    work = [(f, forced or go_version_for(_directory_of(f))) for f in files]
    jobs = max(1, jobs or os.cpu_count() or 1)
    chunk_size = max(1, min(64, len(work) // (jobs * 8) or 1))
    chunks = [work[i : i + chunk_size] for i in range(0, len(work), chunk_size)]
    step = advance or (lambda n: None)
    results: list[FileResult] = []
    if jobs == 1 or len(chunks) <= 1:
        for chunk in chunks:
            results.extend(audit_chunk(chunk, config, rule_ids, fix))
            step(len(chunk))
    else:
        results = _audit_in_pool(chunks, config, rule_ids, fix, jobs, step)
    report = _assemble(
        results, rules, drop_resolved=fix and applied, max_file_size=config.max_file_size
    )
    report.problems = sorted(
        [*not_audited, *report.problems], key=lambda p: (p.file, p.line, p.reason)
    )
    return report


def _audit_in_pool(
    chunks: list[list[WorkItem]],
    config: AuditConfig,
    rule_ids: tuple[str, ...],
    fix: bool,
    jobs: int,
    advance: Callable[[int], None],
) -> list[FileResult]:
    """Chunks over a pool of workers. A chunk whose worker dies or overruns is audited again
    one file per task, so that only the file that caused it is lost. A pool that breaks whole
    (a worker died before the pool knew its task) is replaced, a few times at most."""
    budget = config.file_timeout
    results: list[FileResult] = []
    suspects: list[WorkItem] = []
    pending = chunks
    for _ in range(POOL_ROUNDS):
        if not pending:
            break
        done, failed, pending = _pool_round(
            pending,
            (config, rule_ids, fix, jobs),
            lambda n: budget + CHUNK_SECONDS_PER_FILE * n,
            advance,
        )
        results.extend(result for chunk in done for result in chunk)
        suspects.extend(item for chunk, _ in failed for item in chunk)
    suspects.extend(item for chunk in pending for item in chunk)
    singles = [[item] for item in suspects]
    for _ in range(POOL_ROUNDS):
        if not singles:
            break
        done, failed, singles = _pool_round(
            singles, (config, rule_ids, fix, jobs), lambda n: budget + GRACE_SECONDS, advance
        )
        results.extend(result for chunk in done for result in chunk)
        results.extend(_lost(path, error, budget) for ((path, _),), error in failed)
        advance(len(failed))
    for ((path, _),) in singles:
        message = "the worker processes kept failing while auditing it; not audited"
        results.append(_not_audited(path, message, Reason.WORKER_DIED))
        advance(1)
    return results


def _pool_round(
    tasks: list[list[WorkItem]],
    setting: tuple[AuditConfig, tuple[str, ...], bool, int],
    limit: Callable[[int], float],
    advance: Callable[[int], None],
) -> tuple[
    list[list[FileResult]], list[tuple[list[WorkItem], BaseException]], list[list[WorkItem]]
]:
    """Run ``tasks`` (each stopped after ``limit(len(task))`` seconds) in a new pool: the
    results of those done (``advance`` is told of each as it comes), those that failed (with
    why), and those the pool never ran because it broke."""
    config, rule_ids, fix, jobs = setting
    done: list[list[FileResult]] = []
    failed: list[tuple[list[WorkItem], BaseException]] = []
    broken: list[list[WorkItem]] = []
    pool = ProcessPool(max_workers=jobs, context=multiprocessing.get_context(START_METHOD))
    try:
        futures = []
        for task in tasks:
            try:
                args = (task, config, rule_ids, fix)
                futures.append(pool.schedule(audit_chunk, args=args, timeout=limit(len(task))))
            except RuntimeError:  # the pool broke while the tasks were handed out
                broken.extend(tasks[len(futures) :])
                break
        for future, task in zip(futures, tasks, strict=False):
            try:
                done.append(future.result())
                advance(len(task))
            except BrokenProcessPool:
                broken.append(task)
            except Exception as exc:  # the worker died or overran, or a pickling failure
                failed.append((task, exc))
    except BaseException:
        pool.stop()
        pool.join()
        raise
    pool.close()
    pool.join()
    return done, failed, broken


def _lost(path: str, error: BaseException, budget: float) -> FileResult:
    """The result for a file whose own task failed in the pool."""
    if isinstance(error, FutureTimeout):
        message = (
            f"took longer than the {format_duration(budget)} per-file time budget and its "
            "worker was stopped; not audited (--file-timeout raises it)"
        )
        return _not_audited(path, message, Reason.TIME_BUDGET)
    if isinstance(error, ProcessExpired):
        message = f"the worker process auditing it died ({_exit_status(error.exitcode)})"
        return _not_audited(path, message + "; not audited", Reason.WORKER_DIED)
    return _not_audited(path, _crash_message(error), Reason.INTERNAL_ERROR)


def _exit_status(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit status {code}"


def _assemble(
    results: list[FileResult],
    rules: tuple[type[Rule], ...],
    *,
    drop_resolved: bool,
    max_file_size: int,
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
    _fill_missing_lines(report, max_file_size)
    return report


def _fill_missing_lines(report: AuditReport, max_file_size: int) -> None:
    """Source lines for findings made after the workers (package-wide rules), each file read
    once."""
    missing: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        location = finding.location
        if location is not None and (location.file, location.line) not in report.lines:
            missing[location.file].append(finding)
    for path, findings in missing.items():
        source = read_source(path, max_file_size)
        if isinstance(source, FileResult):
            continue
        report.lines.update(
            {(path, n): line for n, line in context_lines(source, findings).items()}
        )
