"""--fix on real Go packages: the result is gofmt-clean, compiles, and the findings are gone."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from audit_fixtures import FIXED_RULES, FIXTURES, GO_MODULE

from gotriage.audit.config import AuditConfig
from gotriage.audit.registry import all_rules
from gotriage.audit.runner import audit_files
from gotriage.cli import main


@pytest.fixture
def module_copy(tmp_path):
    """The fix fixtures inside a copy of the fixture module, free to rewrite."""
    shutil.copy(GO_MODULE / "go.mod", tmp_path / "go.mod")
    shutil.copytree(GO_MODULE / "internal", tmp_path / "internal")
    shutil.copytree(FIXTURES / "fix", tmp_path / "audit" / "fix")
    return tmp_path


def go_files(root):
    return sorted(str(p) for p in (root / "audit" / "fix").rglob("*.go"))


def test_fix_is_gofmt_clean_compiles_and_resolves(module_copy, go_toolchain):
    files = go_files(module_copy)
    report = audit_files(files, AuditConfig(), jobs=1, fix=True)
    assert set(report.fixed) == set(files)
    for path, (_, new) in report.fixed.items():
        (module_copy / path).write_bytes(new)
    gofmt = go_toolchain.go.parent / "gofmt"
    listed = subprocess.run(
        [str(gofmt), "-l", *files], capture_output=True, text=True, check=True
    ).stdout
    assert listed == ""
    go_toolchain.run(["vet", "./audit/fix/..."], module_copy)
    after = audit_files(files, AuditConfig(enable=FIXED_RULES), jobs=1)
    assert after.findings == []


def test_fixable_rules_are_the_ones_fix_resolves():
    assert tuple(r.id for r in all_rules() if r.fixable) == FIXED_RULES


def test_fix_values_and_time_import(module_copy):
    files = go_files(module_copy)
    report = audit_files(files, AuditConfig(), jobs=1, fix=True)
    notime = next(new for path, (_, new) in report.fixed.items() if "notime" in path).decode()
    assert 'import "time"' in notime
    assert (
        "\t\tHandler: mux,\n\n"
        "\t\tReadHeaderTimeout: 10 * time.Second,\n"
        "\t\tReadTimeout:       30 * time.Second,\n"
        "\t\tWriteTimeout:      60 * time.Second,\n"
        "\t\tIdleTimeout:       120 * time.Second,\n"
    ) in notime
    assert "&http.Server{ReadHeaderTimeout: 10 * time.Second, ReadTimeout:" in notime
    grouped = next(new for path, (_, new) in report.fixed.items() if "grouped" in path).decode()
    assert "WriteTimeout: 60 * tm.Second," in grouped
    assert grouped.count('"time"') == 1  # the existing alias is reused, not imported twice
    # ReadTimeout assigned later is respected: nothing added for it.
    assert "ReadTimeout: 30" not in grouped


def test_cli_diff_shows_change_and_writes_nothing(module_copy, capsys):
    target = module_copy / "audit" / "fix" / "notime" / "server.go"
    before = target.read_bytes()
    code = main(["audit", "--diff", "--no-config", str(target)])
    out = capsys.readouterr().out
    assert code == 1
    assert target.read_bytes() == before
    assert "+\t\tReadHeaderTimeout: 10 * time.Second," in out
    assert '+import "time"' in out


def test_cli_fix_writes_and_reports_what_remains(module_copy, capsys):
    target = module_copy / "audit" / "fix" / "notime" / "server.go"
    code = main(["audit", "--fix", "--no-config", "--enable", ",".join(FIXED_RULES), str(target)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "time.Second" in target.read_text()
    assert "fixed 1 file" in out


def test_fix_and_diff_together_is_usage_error(capsys):
    assert main(["audit", "--fix", "--diff", str(FIXTURES / "fix")]) == 2
    assert "do not go together" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("bom", "eol"), [(b"", b"\r\n"), (b"\xef\xbb\xbf", b"\n"), (b"\xef\xbb\xbf", b"\r\n")]
)
def test_fix_keeps_line_endings_and_bom(module_copy, bom, eol):
    target = module_copy / "audit" / "fix" / "notime" / "server.go"
    plain = audit_files([str(target)], AuditConfig(), jobs=1, fix=True).fixed[str(target)][1]
    target.write_bytes(bom + target.read_bytes().replace(b"\n", eol))
    _, new = audit_files([str(target)], AuditConfig(), jobs=1, fix=True).fixed[str(target)]
    assert new.startswith(bom) and new.count(b"\xef\xbb\xbf") == (1 if bom else 0)
    if eol == b"\r\n":
        assert new.count(b"\n") == new.count(b"\r\n")  # no bare LF inserted
    assert new[len(bom) :].replace(eol, b"\n") == plain
