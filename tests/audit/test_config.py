"""Configuration from pyproject.toml / .gotriage.toml and its command-line overrides."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.audit.config import AuditConfig, load_config
from gotriage.audit.registry import all_rules
from gotriage.cli import main
from gotriage.cli.goroutines import CONFIG_KEYS
from gotriage.config import find_config, section
from gotriage.errors import InputError
from gotriage.model import Severity

RULE_IDS = {rule.id for rule in all_rules()}
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
    config = load_config(path, rule_ids=RULE_IDS)
    assert config.disable == ("GT103",) and config.fail_on is Severity.HIGH
    assert config.max_header_bytes_min == 1024
    assert not config.rule_enabled("GT103") and config.rule_enabled("GT101")


def test_pyproject_without_gotriage_table_is_not_used(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.other]\nx = 1\n")
    assert find_config(tmp_path) is None


def test_dot_gotriage_toml_top_level_keys_and_prefixes(tmp_path):
    write(tmp_path, ".gotriage.toml", 'enable = ["GT2"]\nexclude = ["gen/*"]\n')
    config = load_config(find_config(tmp_path), rule_ids=RULE_IDS)
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
        load_config(write(tmp_path, ".gotriage.toml", text), rule_ids=RULE_IDS)


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


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (".gotriage.toml", b'fail-on = "high"\n# caf\xe9\n', ".gotriage.toml:2: not valid UTF-8"),
        ("pyproject.toml", b"[tool.gotriage]\n# \xff\n", "pyproject.toml:2: not valid UTF-8"),
        ("pyproject.toml", b"tool = 5\n# gotriage\n", "tool must be a table, not an integer"),
        ("pyproject.toml", b'tool = "gotriage"\n', "tool must be a table, not a string"),
        ("pyproject.toml", b"[tool]\ngotriage = [1]\n", "tool.gotriage must be a table"),
        ("pyproject.toml", b"[tool.gotriage\n", "pyproject.toml: invalid TOML"),
        (".gotriage.toml", b'fail-on = ["high"]\n', "fail-on must be a string, not a list"),
        (".gotriage.toml", b'[audit]\nfail-on = "severe"\n', "[audit] fail-on: unknown severity"),
        (".gotriage.toml", b'[audit]\nfail-on = ["high"]\n', "[audit] fail-on must be a string"),
        (".gotriage.toml", b"[audit]\nexclude = [1]\n", "exclude must be a list of strings"),
        (".gotriage.toml", b"[audit]\ngo-version = 1.22\n", "go-version must be a string"),
        (".gotriage.toml", b"[audit]\nmax-header-bytes-min = true\n", "must be an integer"),
        (".gotriage.toml", b'enable = ["GT999"]\n', "enable: no rule matches 'GT999'"),
        (".gotriage.toml", b'[audit]\ndisable = ["GT1", "X"]\n', "disable: no rule matches 'X'"),
        (".gotriage.toml", b'fail-onn = "high"\n', "unknown setting 'fail-onn'"),
        (".gotriage.toml", b"[audti]\nenable = []\n", "unknown setting 'audti'"),
        (".gotriage.toml", b"audit = 3\n", "audit must be a table, not an integer"),
        (".gotriage.toml", b'max-file-size = "lots"\n', "max-file-size must be a size"),
        (".gotriage.toml", b"file-timeout = -1\n", "file-timeout must be a duration"),
        (".gotriage.toml", b"file-timeout = inf\n", "file-timeout must be a duration"),
    ],
)
def test_hostile_settings_are_one_line_naming_file_and_key(
    tmp_path, capsys, name, content, message
):
    (tmp_path / name).write_bytes(content)
    write(tmp_path, "s.go", SERVER)
    (tmp_path / "sub").mkdir()  # found from a directory below, up the tree
    assert main(["audit", str(tmp_path / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message in err and str(tmp_path / name) in err


def test_settings_of_the_limits(tmp_path):
    path = write(
        tmp_path, ".gotriage.toml", 'max-file-size = "16MiB"\n[audit]\nfile-timeout = 30\n'
    )
    config = load_config(path, rule_ids=RULE_IDS)
    assert (config.max_file_size, config.file_timeout) == (16 << 20, 30)
    path = write(tmp_path, ".gotriage.toml", 'max-file-size = 1000\nfile-timeout = "1m30s"\n')
    config = load_config(path, rule_ids=RULE_IDS)
    assert (config.max_file_size, config.file_timeout) == (1000, 90)
    path = write(tmp_path, ".gotriage.toml", 'enable = ["gt101"]\n[goroutines]\nmin-count = 3\n')
    assert load_config(path, rule_ids=RULE_IDS).enable == ("GT101",)


def test_a_pyproject_that_does_not_mention_gotriage_is_not_read(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"tool = 5\n\xff\xfe not even TOML\n")
    assert find_config(tmp_path) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[goroutines]\nmin-confidence = ["high"]\n', "[goroutines] min-confidence must be a str"),
        ("[goroutines]\nignore = [1]\n", "[goroutines] ignore must be a list of strings"),
        ("[goroutines]\nmin-count = 2.5\n", "[goroutines] min-count must be an integer"),
        ("goroutines = 1\n", "the goroutines settings must be a table"),
    ],
)
def test_goroutines_settings_from_the_same_files(tmp_path, text, message):
    path = write(tmp_path, ".gotriage.toml", text)
    with pytest.raises(InputError) as error:
        section(path, "goroutines", CONFIG_KEYS)
    assert message in str(error.value) and str(path) in str(error.value)
    good = write(tmp_path, ".gotriage.toml", '[goroutines]\nmin-count = 3\nignore = ["x.*"]\n')
    assert section(good, "goroutines", CONFIG_KEYS) == {"min_count": 3, "ignore": ["x.*"]}


KEYS = ["enable", "disable", "exclude", "fail-on", "go-version", "max-file-size", "file-timeout"]
TOML_VALUES = st.recursive(
    st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
        st.floats(allow_nan=False).map(repr),
        st.booleans().map(lambda b: str(b).lower()),
        st.sampled_from(["GT101", "GT2", "high", "1.22", "16MiB", "30s", "", "x"]).map(json.dumps),
        st.text(max_size=8).map(json.dumps),
    ),
    lambda inner: st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
    max_leaves=6,
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "[audit]\n", "[goroutines]\n", "[tool]\n"]),
            st.sampled_from([*KEYS, "x"]),
            TOML_VALUES,
        ),
        max_size=5,
    )
)
def test_any_settings_give_a_config_or_an_input_error(entries):
    text = "".join(f"{table}{key} = {value}\n" for table, key, value in entries)
    with tempfile.TemporaryDirectory() as directory:
        path = write(Path(directory), ".gotriage.toml", text)
        with contextlib.suppress(InputError):  # nothing else may come out
            load_config(path, rule_ids=RULE_IDS)


@given(st.binary(max_size=200))
def test_any_bytes_as_settings_give_a_config_or_an_input_error(data):
    with tempfile.TemporaryDirectory() as directory:
        for name in (".gotriage.toml", "pyproject.toml"):
            path = Path(directory) / name
            path.write_bytes(b"[tool.gotriage]\n" + data if name == "pyproject.toml" else data)
            with contextlib.suppress(InputError):  # nothing else may come out
                load_config(path, rule_ids=RULE_IDS)
                section(path, "goroutines", CONFIG_KEYS)
            path.unlink()
