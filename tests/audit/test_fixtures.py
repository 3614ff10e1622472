"""Every rule against its Go fixture packages: the findings are exactly the ``// want`` marks.

tests/go/audit/<rule-name>/<package>/ holds packages of the fixture module; each is audited with
only the rule its directory names (as analysistest runs only the analyzer under test), and every
line without a mark must stay silent. tests/go/audit/clean/ is a whole service written the way
the rules ask, audited with every rule: it must produce nothing at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_fixtures import FIXED_RULES, FIXTURES, GO_MODULE, expected_marks, fixture_packages

from gotriage.audit.config import AuditConfig
from gotriage.audit.registry import all_rules, rule_by_id
from gotriage.audit.runner import audit_files
from gotriage.audit.testcode import file_reason
from gotriage.model import Severity

PACKAGES = fixture_packages()


def audit_package(package: Path, rule_ids: tuple[str, ...]):
    files = [str(p) for p in sorted(package.glob("*.go"))]
    return audit_files(files, AuditConfig(enable=rule_ids), jobs=1)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_findings_match_want_marks(package):
    group = package.relative_to(FIXTURES).parts[0]
    if group in ("clean", "test-code"):
        rule_ids = tuple(r.id for r in all_rules())  # a whole service: every rule silent
    elif group in ("fix", "server-timeouts"):
        rule_ids = FIXED_RULES  # the missing-timeout rules together: one finding per server
    else:
        rule_ids = (rule_by_id(group).id,)
    report = audit_package(package, rule_ids)
    assert report.problems == []
    found = {(Path(f.location.file).name, f.location.line, f.rule) for f in report.findings}
    assert found == expected_marks(package)


def test_one_finding_per_server_lists_every_missing_field():
    report = audit_package(FIXTURES / "server-timeouts" / "library", FIXED_RULES)
    by_line = {f.location.line: f for f in report.findings}
    twin = by_line[17]
    assert twin.missing == ("ReadHeaderTimeout", "ReadTimeout", "WriteTimeout", "IdleTimeout")
    assert twin.severity.name == "HIGH"
    assert "ReadHeaderTimeout" in twin.message and "WriteTimeout" in twin.message
    assert "IdleTimeout" in twin.message
    assert "ReadHeaderTimeout, WriteTimeout and IdleTimeout" in twin.fix
    assert by_line[23].missing == ("ReadTimeout", "WriteTimeout", "IdleTimeout")
    assert by_line[27].missing == ("ReadTimeout", "IdleTimeout")
    # GT101 is silenced on the last server: its own finding is suppressed and counted, the
    # rest stands as one GT103 finding (ReadTimeout still bounds idle connections: GT104).
    assert by_line[36].missing == ("ReadTimeout", "WriteTimeout", "IdleTimeout")
    assert by_line[36].rule == "GT103"
    assert report.suppressed == 1


def test_one_rule_enabled_reports_only_its_fields():
    report = audit_package(FIXTURES / "server-timeouts" / "library", ("GT103",))
    assert {f.location.line for f in report.findings} == {17, 18, 23, 36}
    assert {f.missing for f in report.findings} == {("WriteTimeout",)}


TEST_CODE = FIXTURES / "test-code"


def test_findings_in_code_only_tests_use_are_lowered_and_say_why():
    files = sorted(str(p) for p in TEST_CODE.rglob("*.go"))
    report = audit_files(files, AuditConfig(), jobs=1)
    found = {(Path(f.location.file).parent.name, f.location.line): f for f in report.findings}
    production = [found[("helpers", 11)], found[("helpers", 25)]]
    assert all(f.severity is Severity.HIGH and not f.test_code for f in production)
    tests_only = {key: f.test_code for key, f in found.items() if f.test_code}
    assert tests_only == {
        ("testutil", 9): "package testutil",
        ("testutil", 13): "package testutil",
        ("helpers", 15): "function NewTestServer",
        ("helpers", 20): "function startServer takes a *testing value",
    }
    for key in tests_only:
        assert found[key].severity is Severity.LOW
        assert "(test support code: " in found[key].message


@pytest.mark.parametrize(("mode", "count"), [("skip", 2), ("report", 6)])
def test_test_code_setting_skips_or_reports_unchanged(mode, count):
    files = sorted(str(p) for p in TEST_CODE.rglob("*.go"))
    report = audit_files(files, AuditConfig(test_code=mode), jobs=1)
    assert len(report.findings) == count
    assert all(f.severity is Severity.HIGH or f.rule == "GT109" for f in report.findings)


@pytest.mark.parametrize(
    ("path", "package", "source", "reason"),
    [
        ("a/testutils/xds/e2e/server.go", "e2e", b"", "package e2e"),
        ("internal/testutils/roundrobin/rr.go", "roundrobin", b"", "under testutils/"),
        ("minio/functional_tests.go", "main", b"", "file functional_tests.go"),
        ("gin/test_helpers.go", "gin", b"", "file test_helpers.go"),
        ("p/gen.go", "main", b"//go:build ignore\n\npackage main\n", "built only by hand"),
        ("p/gen.go", "main", b"// +build ignore\n\npackage main\n", "built only by hand"),
        ("net/http/httptest/server.go", "httptest", b"", "package httptest"),
        ("home/test/project/server.go", "server", b"", ""),
        ("home/testing/project/server.go", "server", b"", ""),
        ("x/latest/latest.go", "latest", b"", ""),
        ("x/attestation/attest.go", "attestation", b"", ""),
        ("x/contest.go", "x", b"", ""),
    ],
)
def test_file_reason(path, package, source, reason):
    assert file_reason(path, package, source).startswith(reason) if reason else True
    assert bool(file_reason(path, package, source)) == bool(reason)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_has_bad_and_good_fixtures(rule):
    directory = FIXTURES / rule.name
    assert (directory / "good").is_dir(), f"no good fixture for {rule.id}"
    assert expected_marks(directory / "bad"), f"no marked bad case for {rule.id}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_documentation_has_examples(rule):
    doc = rule.__doc__ or ""
    assert rule.title and rule.name
    assert "Bad::" in doc and "Good::" in doc and "How to fix" in doc


def test_fixtures_compile_and_good_packages_vet_clean(go_toolchain):
    go_toolchain.run(["build", "./audit/..."], GO_MODULE)
    clean = ["./" + str(p.relative_to(GO_MODULE)) for p in PACKAGES if p.name != "bad"]
    go_toolchain.run(["vet", *clean], GO_MODULE)


TIMER_LOOP = """package p

import "time"

func f(in <-chan int) {
	for range 3 {
		select {
		case <-in:
		case <-time.After(time.Second):
		}
	}
	for {
		select {
		case <-in:
		case <-time.After(time.Second):
		}
	}
}
"""


@pytest.mark.parametrize(
    ("go_mod", "setting", "note"),
    [
        ("go 1.22", "", "the module's go.mod says go 1.22"),
        ("go 1.27", "1.21", "Go 1.21 from the go-version setting"),
        ("", "", "no go directive found"),
    ],
)
def test_timer_rules_say_which_go_version_they_used(tmp_path, go_mod, setting, note):
    if go_mod:
        (tmp_path / "go.mod").write_text(f"module example.com/m\n\n{go_mod}\n")
    (tmp_path / "p.go").write_text(TIMER_LOOP)
    config = AuditConfig(enable=("GT203",), go_version=setting)
    report = audit_files([str(tmp_path / "p.go")], config, jobs=1)
    # The loop bounded by `range 3` is silent; the endless one is reported, naming the version.
    assert [f.location.line for f in report.findings] == [15]
    assert note in report.findings[0].message


def test_cli_and_settings_choose_the_test_code_mode(tmp_path, capsys):
    from gotriage.cli import main

    package = str(TEST_CODE / "testutil")
    assert main(["audit", "--no-config", package]) == 0  # lowered below --fail-on medium
    assert main(["audit", "--no-config", "--test-code", "report", package]) == 1
    (tmp_path / ".gotriage.toml").write_text('test-code = "skip"\n')
    assert main(["audit", "--config", str(tmp_path / ".gotriage.toml"), package]) == 0
    assert "0 findings" in capsys.readouterr().out
    (tmp_path / ".gotriage.toml").write_text('test-code = "drop"\n')
    assert main(["audit", "--config", str(tmp_path / ".gotriage.toml"), package]) == 2
    assert "test-code must be one of lower, skip, report" in capsys.readouterr().err
