"""The probe against the probeserver fixture, configured by flags, measured vs configured.

All configurations run at once (two through the CLI in their own processes, two in this
process) so the module takes little more than the longest --max-wait. Accuracy is measured
against the configured values with a tolerance of 100 ms + 5% beyond the stated precision (which
grows with the event loop's delays on a loaded machine); nothing here times the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gotriage.cli.probe import exit_code
from gotriage.probe.model import ProbeOptions, ProbeReport, Status, Verdict
from gotriage.probe.runner import probe
from gotriage.report import probe_json, probe_text
from gotriage.report.console import stdout_console

SEED = 20261123
MAX_WAIT_DEFAULTS = 2.0
MAX_WAIT_CONFIGURED = 4.0
MAX_WAIT_VANISH = 3.0
KILL_AFTER = 1.0
GO_SLACK = 4096


def random_settings(seed: int) -> dict[str, float]:
    rng = random.Random(seed)

    def timeout() -> float:
        return round(rng.uniform(0.5, 3.0), 3)

    return {
        "read-header-timeout": timeout(),
        "read-timeout": timeout(),
        "idle-timeout": timeout(),
        "write-timeout": timeout(),
        "max-header-bytes": rng.randrange(8 << 10, 256 << 10),
        "max-body": rng.randrange(64 << 10, 4 << 20),
    }


RANDOM = random_settings(SEED)
# TLS, and only ReadTimeout and WriteTimeout: header and idle timeouts fall back to ReadTimeout
_fallback = random_settings(SEED + 1)
FALLBACK = {
    "read-timeout": _fallback["read-timeout"],
    "write-timeout": _fallback["write-timeout"],
    "max-body": _fallback["max-body"],
}


def flags(settings: dict[str, float]) -> list[str]:
    out = []
    for name, value in settings.items():
        out.append(f"-{name}={value}s" if "timeout" in name else f"-{name}={int(value)}")
    return out


def expected(settings: dict[str, float]) -> dict[str, float | None]:
    """What the probe should find, in Go's terms (None: no timeout)."""
    rt = settings.get("read-timeout")
    return {
        "header-timeout": settings.get("read-header-timeout") or rt,
        "body-timeout": rt,
        "idle-timeout": settings.get("idle-timeout") or rt,
        "write-timeout": settings.get("write-timeout"),
        "max-header": settings.get("max-header-bytes", 1 << 20) + GO_SLACK,
        "max-body": settings.get("max-body"),
    }


def open_sockets() -> int:
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            count += str(fd.readlink()).startswith("socket:")
    return count


@dataclass
class Runs:
    defaults: ProbeReport
    vanish: ProbeReport
    leftover_tasks: set[Any]
    sockets_before: int
    sockets_after: int
    cli: dict[str, tuple[int, dict[str, Any], str]]


def cli_command(url: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gotriage",
        "probe",
        url,
        "--format",
        "json",
        "--max-wait",
        f"{MAX_WAIT_CONFIGURED:g}s",
        "--body-path",
        "/body",
        "--slow-path",
        "/slow",
        "--large-path",
        "/large",
        "--max-body",
        "8MiB",
        "--max-connections",
        "16",
        *extra,
    ]


async def _in_process(defaults_url: str, vanish: Any) -> tuple[Any, Any, set[Any]]:
    async def kill_later() -> None:
        await asyncio.sleep(KILL_AFTER)
        await asyncio.to_thread(vanish.stop)

    defaults, vanished, _ = await asyncio.gather(
        probe(
            ProbeOptions(
                url=defaults_url,
                max_wait=MAX_WAIT_DEFAULTS,
                body_path="/body",
                slow_path="/slow",
                large_path="/large",
                max_body=4 << 20,
                max_connections=32,
            )
        ),
        probe(
            ProbeOptions(
                url=vanish.url("app"),
                max_wait=MAX_WAIT_VANISH,
                body_path="/body",
                slow_path="/slow",
                max_connections=16,
            )
        ),
        kill_later(),
    )
    return defaults, vanished, asyncio.all_tasks() - {asyncio.current_task()}


@pytest.fixture(scope="module")
def runs(go_program) -> Runs:
    with contextlib.ExitStack() as stack:
        start = stack.enter_context

        def server(*args: str) -> Any:
            return start(go_program("probeserver", "-lifetime=60s", *args))

        defaults = server()
        vanish = server()
        configured = server(*flags(RANDOM))
        fallback = server("-tls", *flags(FALLBACK))
        procs = {
            "random": subprocess.Popen(
                cli_command(configured.url("app"), "--require", "header-timeout<=5s"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
            "fallback-tls": subprocess.Popen(
                cli_command(fallback.url("app"), "--insecure", "--require", "idle-timeout<0.2s"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        }
        try:
            before = open_sockets()
            defaults_report, vanish_report, leftover = asyncio.run(
                _in_process(defaults.url("app"), vanish)
            )
            after = open_sockets()
        finally:
            cli = {}
            for name, proc in procs.items():
                out, err = proc.communicate(timeout=120)
                cli[name] = (proc.returncode, json.loads(out) if out.strip() else {}, err)
    return Runs(defaults_report, vanish_report, leftover, before, after, cli)


def tolerance(configured: float) -> float:
    return 0.1 + 0.05 * configured


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in document["measurements"]}


@pytest.mark.parametrize(("config", "settings"), [("random", RANDOM), ("fallback-tls", FALLBACK)])
def test_timeouts_match_configuration(runs, config, settings):
    _, document, stderr = runs.cli[config]
    assert document, stderr
    measured = by_name(document)
    for name, want in expected(settings).items():
        if name.startswith("max-") or want is None:
            continue
        got = measured[name]
        assert got["status"] == "measured", (name, got)
        # the stated precision includes the worst event-loop delay, which a loaded machine adds
        assert abs(got["value"] - want) <= tolerance(want) + got["precision"], (name, got, want)


@pytest.mark.parametrize(("config", "settings"), [("random", RANDOM), ("fallback-tls", FALLBACK)])
def test_sizes_match_configuration(runs, config, settings):
    _, document, stderr = runs.cli[config]
    assert document, stderr
    measured = by_name(document)
    want = expected(settings)
    header = measured["max-header"]
    assert header["status"] == "measured"
    assert header["value"] <= want["max-header"] < header["value"] + header["precision"]
    assert header["precision"] <= 1024
    assert abs(header["implied_setting"] - (want["max-header"] - GO_SLACK)) <= 1024
    assert header["line_limit"] is None  # Go has no per-line limit
    body = measured["max-body"]
    assert body["status"] == "measured"
    assert body["value"] <= want["max-body"] < body["value"] + body["precision"]
    assert body["precision"] <= 0.10 * body["value"]


def test_stalled_reader_is_abandoned_around_the_write_timeout(runs):
    _, document, _ = runs.cli["random"]
    stalled = by_name(document)["stalled-reader"]
    write = RANDOM["write-timeout"]
    assert stalled["status"] == "measured"
    low = stalled["value"] - stalled["precision"] - tolerance(write)
    high = stalled["value"] + stalled["precision"] + tolerance(write)
    assert low <= write <= high


def test_unset_write_timeout_is_none_within_max_wait(runs):
    _, document, _ = runs.cli["fallback-tls"]
    assert document["tls"] is True
    # WriteTimeout is set there; here the defaults server has none
    measured = {m.name: m for m in runs.defaults.measurements}
    for name in ("header-timeout", "body-timeout", "idle-timeout", "write-timeout"):
        assert measured[name].status is Status.NONE, measured[name]
        assert measured[name].value == MAX_WAIT_DEFAULTS
        assert measured[name].verdict is Verdict.WARN
    assert measured["stalled-reader"].status is Status.NONE


def test_defaults_sizes_and_connections(runs):
    measured = {m.name: m for m in runs.defaults.measurements}
    header = measured["max-header"]
    assert header.status is Status.MEASURED
    assert header.value <= (1 << 20) + GO_SLACK < header.value + header.precision
    assert header.implied_setting is not None
    assert abs(header.implied_setting - (1 << 20)) <= 1024
    assert measured["max-body"].status is Status.NONE  # no MaxBytesReader: no cap up to 4 MiB
    assert measured["max-body"].value == 4 << 20
    assert measured["connections"].status is Status.NONE
    assert measured["connections"].value == 32
    assert measured["connections"].outcome == "served"


def test_requirements_drive_the_exit_code(runs):
    code, document, _ = runs.cli["random"]
    assert code == 0 and document["exit_code"] == 0
    assert [r["met"] for r in document["requirements"]] == [True]
    code, document, _ = runs.cli["fallback-tls"]
    assert code == 1 and document["exit_code"] == 1
    assert [r["met"] for r in document["requirements"]] == [False]


def test_json_follows_the_schema(runs):
    for _, document, _ in runs.cli.values():
        jsonschema.validate(document, probe_json.SCHEMA)
    for report in (runs.defaults, runs.vanish):
        jsonschema.validate(probe_json.to_dict(report, exit_code(report)), probe_json.SCHEMA)


def test_nothing_left_behind(runs):
    assert runs.leftover_tasks == set()
    assert runs.sockets_after == runs.sockets_before


def test_vanished_target_gives_verdicts_not_tracebacks(runs):
    report = runs.vanish
    assert report.target_lost
    measured = {m.name: m for m in report.measurements}
    for name in ("header-timeout", "body-timeout", "idle-timeout", "write-timeout"):
        m = measured[name]
        assert m.status is Status.ERROR, m
        assert m.verdict is Verdict.ERROR
        assert "stopped accepting connections" in m.detail or "cannot connect" in m.detail
    assert not any("probe failure" in m.detail for m in report.measurements)
    assert exit_code(report) == 1
    out = io.StringIO()
    probe_text.render(report, 1, stdout_console(out, color="never"))
    assert "stopped accepting connections during the probe" in out.getvalue()


def test_text_report_names_fields_and_fixes(runs):
    out = io.StringIO()
    probe_text.render(runs.defaults, exit_code(runs.defaults), stdout_console(out, color="never"))
    text = out.getvalue()
    for words in ("header timeout", "none within 2 s", "ReadHeaderTimeout", "MaxHeaderBytes ≈ 1"):
        assert words in text
    assert "srv := &http.Server{ReadHeaderTimeout: 10 * time.Second}" in text
