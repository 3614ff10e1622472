"""Configuration from pyproject.toml / .gotriage.toml and its command-line overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from gotriage.audit.config import AuditConfig, load_config
from gotriage.cli import main
from gotriage.config import find_config
from gotriage.errors import InputError
from gotriage.model import Severity

SERVER = 'package p\n\nimport "net/http"\n\nvar s = &http.Server{MaxHeaderBytes: 4096}\n'


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def test_pyproject_audit_table(tmp_path):
    write(
        tmp_path,
        "pyproject.toml",
        "\n".join(
            [
                "[tool.gotriage.audit]",
                'disable = ["GT103"]',
                'fail-on = "high"',
                "max-header-bytes-min = 1024",
            ]
        ),
    )
    (tmp_path / "src").mkdir()
    path = find_config(tmp_path / "src")
    assert path == tmp_path / "pyproject.toml"
    config = load_config(path)
    assert config.disable == ("GT103",) and config.fail_on is Severity.HIGH
    assert config.max_header_bytes_min == 1024
    assert not config.rule_enabled("GT103") and config.rule_enabled("GT101")


def test_pyproject_without_gotriage_table_is_not_used(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.other]\nx = 1\n")
    assert find_config(tmp_path) is None


def test_dot_gotriage_toml_top_level_keys_and_prefixes(tmp_path):
    write(tmp_path, ".gotriage.toml", 'enable = ["GT2"]\nexclude = ["gen/*"]\n')
    config = load_config(find_config(tmp_path))
    assert config.rule_enabled("GT201") and not config.rule_enabled("GT101")
    assert config.exclude == ("gen/*",) and config.root == str(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[audit]\nunknown = 1\n", "unknown audit setting"),
        ("[audit]\nenable = 'GT101'\n", "list of strings"),
        ("[audit]\nmax-header-bytes-min = -1\n", "non-negative"),
        ("not toml ===", "invalid TOML"),
    ],
)
def test_bad_configuration_is_input_error(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_config(write(tmp_path, ".gotriage.toml", text))


def test_thresholds_change_findings(tmp_path, capsys):
    write(tmp_path, "s.go", SERVER)
    assert main(["audit", "--format", "json", "--enable", "GT106", str(tmp_path)]) == 1
    capsys.readouterr()
    write(tmp_path, ".gotriage.toml", "[audit]\nmax-header-bytes-min = 2048\n")
    assert main(["audit", "--enable", "GT106", str(tmp_path)]) == 0
    capsys.readouterr()


def test_cli_overrides_and_errors(tmp_path, capsys):
    write(tmp_path, "s.go", SERVER)
    assert main(["audit", "--no-config", "--disable", "GT1", str(tmp_path)]) == 0
    assert main(["audit", "--no-config", "--enable", "GT9", str(tmp_path)]) == 2
    assert main(["audit", "--no-config", "--jobs", "0", str(tmp_path)]) == 2
    assert main(["audit", "--no-config", "--fail-on", "severe", str(tmp_path)]) == 2
    assert main(["audit", "--config", str(tmp_path / "missing.toml"), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no rule matches 'GT9'" in err and "unknown severity" in err


def test_defaults():
    config = AuditConfig()
    assert config.fail_on is Severity.MEDIUM
    assert (config.max_header_bytes_min, config.max_header_bytes_max) == (8192, 8 << 20)


def test_go_version_decides_timer_rules(tmp_path, capsys):
    write(tmp_path, "go.mod", "module example.com/m\n\ngo 1.24\n")
    write(
        tmp_path, "t.go", 'package p\n\nimport "time"\n\nfunc f() { _ = time.Tick(time.Second) }\n'
    )
    args = ["audit", "--no-config", "--fail-on", "low", "--enable", "GT204", str(tmp_path)]
    assert main(args) == 0
    assert main([*args, "--go-version", "1.21"]) == 1
    assert main([*args, "--go-version", "one"]) == 2
    write(tmp_path, "go.mod", "module example.com/m\n\ngo 1.22\n")
    capsys.readouterr()
