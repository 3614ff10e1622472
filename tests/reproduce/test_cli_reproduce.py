"""The command: usage errors exit 2 with one line; a compared run renders as schema-valid JSON
and as text, and exits 1 when a server degraded."""

from __future__ import annotations

import json

import jsonschema
import pytest

from gotriage.cli import main
from gotriage.report.reproduce_json import FORMAT, SCHEMA


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://127.0.0.1:9/"], "give --scenario"),
        (["http://127.0.0.1:9/", "--scenario", "nope"], "unknown scenario"),
        (["http://192.0.2.1:9/", "--scenario", "slow-clients"], "not a loopback"),
        (["ftp://127.0.0.1/", "--scenario", "slow-clients"], "http://"),
        (["https://127.0.0.1:1/", "--scenario", "slow-clients", "--insecure"], "cannot connect"),
        (["http://127.0.0.1:9/", "--scenario", "slow-clients", "--set", "x"], "KEY=VALUE"),
        (
            [
                "http://127.0.0.1:9/",
                "--scenario",
                "slow-clients",
                "--duration",
                "9m",
                "--compare",
                "http://127.0.0.1:9/",
            ],
            "bounded",
        ),
        (["http://127.0.0.1:9/", "--scenario-file", "/nonexistent.toml"], "cannot read"),
        (["http://127.0.0.1:1/", "--scenario", "slow-clients"], "cannot connect"),
    ],
)
def test_usage_errors(capsys, args, message):
    assert main(["reproduce", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_compare_json_and_text(go_program, capsys, tmp_path):
    scenario = tmp_path / "slowloris.toml"
    scenario.write_text(
        'seed = 3\nbaseline = "1s"\nduration = "1s"\nrecovery = "2s"\nrate = 40\n'
        '[[scenario]]\nname = "slow-clients"\nclients = 50\ninterval = "0s"\n'
    )
    with (
        go_program("reproserver", "-lifetime=60s") as broken,
        go_program("reproserver", "-lifetime=60s", "-timeouts=500ms") as fixed,
    ):
        args = ["reproduce", broken.url("app"), "--scenario-file", str(scenario)]
        code = main([*args, "--compare", fixed.url("app"), "--format", "json"])
        document = json.loads(capsys.readouterr().out)
        assert code == 1
        jsonschema.validate(document, SCHEMA)
        assert document["format"] == FORMAT and document["plan"]["seed"] == 3
        first, second = document["runs"]
        assert first["degraded"] and not second["degraded"]
        assert first["pid"] and first["timeline"][-1]["sockets"]["ESTAB"] >= 50
        assert first["phases"]["recovery"]["goroutines_last"] >= 50
        # The sockets analysis of the port, per phase: the silent clients held by the server
        # without timeouts are slow-clients in its recovery (tcp_info, so netlink only).
        held = first["phases"]["recovery"]["sockets"]
        if held["source"] == "netlink":
            assert [f["id"] for f in held["findings"]] == ["slow-clients"], held
            assert held["findings"][0]["count"] >= 50
            assert "slow-clients" in first["verdicts"][0]["evidence"]
        assert second["phases"]["recovery"]["sockets"]["findings"] == []
        # The CPU categories of gotriage cpu, from a profile taken in the scenario phase.
        for run in (first, second):
            cpu = run["phases"]["scenario"]["cpu"]
            assert cpu["error"] is None and cpu["seconds"] >= 1, cpu
            assert set(cpu["categories"]) >= {"user", "gc", "network", "syscall"}
            assert run["phases"]["baseline"]["cpu"] is None
            assert "CPU profile of the scenario" in run["verdicts"][0]["evidence"]
        # Only the fixed server, as a CI gate: exit 0, and a text report.
        assert main(["reproduce", fixed.url("app"), "--scenario-file", str(scenario)]) == 0
    text = capsys.readouterr().out
    assert "held up" in text and "goroutines" in text and "exit 0" in text
    assert "scenario CPU profile (" in text


def test_help_teaches_every_scenario(capsys):
    with pytest.raises(SystemExit) as done:
        main(["reproduce", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name in ("slow-clients", "connection-churn", "--compare", "exit codes", "1%"):
        assert name in out
