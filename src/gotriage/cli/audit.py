"""`gotriage audit`: static analysis of Go source for unsafe net/http settings and goroutine
leaks (see the README)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from gotriage.audit.config import (
    DEFAULT_FILE_TIMEOUT,
    DEFAULT_MAX_FILE_SIZE,
    AuditConfig,
    load_config,
    parse_go_version,
    parse_severity,
    unknown_rules,
)
from gotriage.audit.registry import all_rules, rule_by_id
from gotriage.audit.runner import AuditReport, audit_files, discover
from gotriage.audit.testcode import TEST_CODE_MODES
from gotriage.audit.write import WriteOutcome, write_fixes
from gotriage.config import find_config
from gotriage.errors import InputError, UsageError
from gotriage.report.console import stderr_console, stdout_console
from gotriage.report.progress import progress
from gotriage.units import format_duration, format_size, parse_duration, parse_size

FORMATS = ("text", "json", "sarif")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "audit",
        help="find unsafe net/http settings and goroutine leaks in Go source",
        description=(
            "Static analysis of Go source (no Go toolchain, no build): http.Server and "
            "http.Client timeouts, request body limits, graceful shutdown, and goroutine "
            "leaks (unbuffered sends, lost cancels, locks held across returns, ...)."
        ),
        epilog=(
            "exit codes: 0 no finding at or above --fail-on, 1 findings at or above --fail-on,"
            " 2 usage error, bad configuration, or a file or directory that was not audited"
            " (unreadable, not a regular file, over --max-file-size, over --file-timeout, not"
            " parsed; when no finding already gives 1)."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories (default: .)"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="lowest severity that makes the exit code 1: info, low, medium, high "
        "(default: medium, or the configuration's fail-on)",
    )
    parser.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: all cores)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: nearest .gotriage.toml or pyproject.toml)",
    )
    parser.add_argument("--no-config", action="store_true", help="ignore configuration files")
    parser.add_argument(
        "--enable", metavar="IDS", help="comma-separated rule IDs or prefixes to run (only these)"
    )
    parser.add_argument(
        "--disable", metavar="IDS", help="comma-separated rule IDs or prefixes to skip"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files matching GLOB (repeatable)",
    )
    parser.add_argument(
        "--go-version",
        metavar="1.N",
        help="Go version the code runs under, for version-dependent rules (default: go.mod)",
    )
    parser.add_argument("--include-tests", action="store_true", help="also audit _test.go files")
    parser.add_argument(
        "--test-code",
        choices=TEST_CODE_MODES,
        help="findings in code only tests use (testutil packages, NewTestServer helpers): "
        "lower them to low (default), skip them, or report them unchanged",
    )
    parser.add_argument(
        "--max-file-size",
        type=_size,
        metavar="SIZE",
        help="larger Go files are listed as not audited (default: "
        f"{format_size(DEFAULT_MAX_FILE_SIZE)}, or the configuration's max-file-size; "
        "e.g. 16MiB)",
    )
    parser.add_argument(
        "--file-timeout",
        type=_duration,
        metavar="SECONDS",
        help="a file that takes longer to audit is listed as not audited (default: "
        f"{format_duration(DEFAULT_FILE_TIMEOUT)}, or the configuration's file-timeout; "
        "e.g. 30s)",
    )
    parser.add_argument(
        "--fix", action="store_true", help="add missing http.Server timeouts in place"
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="show what --fix would change as a unified diff, write nothing",
    )
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument("--explain", metavar="RULE", help="print a rule's documentation and exit")
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in text output (default: auto, terminal only)",
    )
    parser.set_defaults(func=run)


def _positive(parse: Callable[[str], float]) -> Callable[[str], float]:
    def parsed(text: str) -> float:
        value = parse(text)  # argparse turns its ValueError into a usage error
        if value <= 0:
            raise ValueError(text)
        return value

    parsed.__name__ = parse.__name__.removeprefix("parse_")
    return parsed


_size = _positive(parse_size)
_duration = _positive(parse_duration)


def _ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    ids = tuple(v.strip().upper() for v in value.split(",") if v.strip())
    unknown = unknown_rules(ids, _rule_ids())
    if unknown:
        raise UsageError(f"no rule matches {unknown[0]!r}; see gotriage audit --list-rules")
    return ids


def _rule_ids() -> set[str]:
    return {rule.id for rule in all_rules()}


def _config(args: argparse.Namespace, paths: list[str]) -> AuditConfig:
    config = AuditConfig()
    if args.config:
        if not Path(args.config).is_file():
            raise InputError("no such configuration file", source=args.config)
        config = load_config(Path(args.config), rule_ids=_rule_ids())
    elif not args.no_config:
        found = find_config(Path(paths[0]))
        if found is not None:
            config = load_config(found, rule_ids=_rule_ids())
    changes: dict[str, object] = {}
    if args.enable:
        changes["enable"] = _ids(args.enable)
    if args.disable:
        changes["disable"] = (*config.disable, *_ids(args.disable))
    if args.exclude:
        changes["exclude"] = (*config.exclude, *args.exclude)
    if args.fail_on:
        changes["fail_on"] = parse_severity(args.fail_on)
    if args.test_code:
        changes["test_code"] = args.test_code
    if args.go_version:
        if parse_go_version(args.go_version) is None:
            raise UsageError(f"--go-version wants a version such as 1.22, not {args.go_version!r}")
        changes["go_version"] = args.go_version
    if args.max_file_size:
        changes["max_file_size"] = int(args.max_file_size)
    if args.file_timeout:
        changes["file_timeout"] = args.file_timeout
    return replace(config, **changes)  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    console = stdout_console(color=args.color)
    if args.list_rules:
        from gotriage.report.audit_text import render_rule_list

        render_rule_list(all_rules(), console)
        return 0
    if args.explain:
        from gotriage.report.audit_text import render_explanation

        render_explanation(rule_by_id(args.explain), console)
        return 0
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.fix and args.diff:
        raise UsageError("--fix and --diff do not go together: --diff shows what --fix would write")
    paths = args.paths or ["."]
    config = _config(args, paths)
    report = _audit(args, paths, config)
    not_written = _write(report, paths, config) if args.fix else []
    _render(args, report, console)
    if not_written:
        return 2
    return exit_code(report, config)


def _write(report: AuditReport, paths: list[str], config: AuditConfig) -> list[WriteOutcome]:
    """--fix's write phase (see gotriage.audit.write). Files that could not be written are
    told on stderr, dropped from ``report.fixed``, and their findings the rewrite would have
    resolved are put back into the report. Returns those outcomes."""
    outcomes = write_fixes(report.fixed, paths)
    failed = [o for o in outcomes if not o.written]
    if not failed:
        return []
    errors = stderr_console()
    for outcome in failed:
        errors.print(
            f"gotriage: not fixed: {outcome.path}: {outcome.reason}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        del report.fixed[outcome.path]
    fixable = tuple(r.id for r in all_rules() if r.fixable and config.rule_enabled(r.id))
    again = audit_files(
        [o.path for o in failed], replace(config, enable=fixable, disable=()), jobs=1
    )
    report.findings = sorted(
        {*report.findings, *again.findings},
        key=lambda f: (
            (f.location.file, f.location.line, f.location.column, f.rule)
            if f.location
            else ("", 0, 0, f.rule)
        ),
    )
    report.lines.update(again.lines)
    return failed


def _audit(args: argparse.Namespace, paths: list[str], config: AuditConfig) -> AuditReport:
    quiet = args.quiet or args.format != "text"
    with progress("auditing", None, quiet=quiet) as bar:
        found = discover(paths, config, include_tests=args.include_tests)
        bar.update(total=len(found.files))
        return audit_files(
            found.files,
            config,
            jobs=args.jobs,
            fix=args.fix or args.diff,
            applied=args.fix,
            advance=bar.advance,
            not_audited=found.not_audited,
        )


def _render(args: argparse.Namespace, report: AuditReport, console: Console) -> None:
    if args.diff:
        from gotriage.report.audit_text import render_diff

        render_diff(report, console)
        return
    if args.format == "json":
        from gotriage.report.audit_json import render_json

        console.out(render_json(report), end="", highlight=False)
    elif args.format == "sarif":
        from gotriage.report.sarif import render_sarif

        console.out(render_sarif(report, str(Path.cwd())), end="", highlight=False)
    else:
        from gotriage.report.audit_text import render_text

        render_text(report, console)
        if args.fix and report.fixed:
            console.print(f"fixed {len(report.fixed)} file(s)")


def exit_code(report: AuditReport, config: AuditConfig) -> int:
    threshold = config.fail_on.rank
    if any(f.severity.rank >= threshold for f in report.findings):
        return 1
    return 2 if report.problems else 0
