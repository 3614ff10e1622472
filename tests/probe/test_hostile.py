"""The probe against servers that do not play along: ones that stop accepting or answering, a
limiting listener, a per-line header limit, a body limit checked on Content-Length, a handler
that returns when its body read times out, a per-write send timeout, and the probe's own file
limit. Every case runs at once, each in its own ``gotriage probe`` process, so the module takes
little more than the longest --max-wait. Timings are compared with the README's tolerance of
100 ms + 5%; the only duration checked is the run's own bound, --max-wait + 5 s.
"""

from __future__ import annotations

import contextlib
import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest

from gotriage.report import probe_json

MAX_WAIT = 3.0
READ_TIMEOUT = 1.4
HEADER_TIMEOUT = 0.6
BODY_LIMIT = 300_000
LINE_LIMIT = 3 << 10
HEAD_LIMIT = 6 * (3 << 10)
# between 1.66 s and 2.24 s, two stalls of the plan once, far from their middle
SEND_TIMEOUT = 1.7
HARD_NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
GRACE = 5.0
# the run's own bound, plus what a loaded machine may add to the event loop's last wake-up
RUN_BOUND = MAX_WAIT + GRACE + 1.0


def tolerance(configured: float) -> float:
    return 0.1 + 0.05 * configured


@dataclass
class Case:
    server: tuple[str, ...]  # fixture program and its flags
    probe: tuple[str, ...]  # arguments after the URL
    path: str = ""  # appended to the fixture's URL
    nofile: tuple[int, int] | None = None  # RLIMIT_NOFILE (soft, hard) of the probe process


ALL_PATHS = ("--body-path", "/", "--slow-path", "/", "--large-path", "/")
CASES: dict[str, Case] = {
    "stops-accepting": Case(
        ("probestall", "-stop=accept"), ("--max-connections", "16", *ALL_PATHS)
    ),
    "stops-answering": Case(
        ("probestall", "-stop=answer"), ("--max-connections", "16", *ALL_PATHS)
    ),
    # a URL that takes 3.5 s to answer: heartbeats are answered late, not never
    "slow-url": Case(
        ("probeserver", "-slow=3.5s", f"-read-header-timeout={HEADER_TIMEOUT}s"),
        ("--only", "header-timeout"),
        path="slow",
    ),
    # netutil.LimitListener-style: the kernel accepts 16, the server holds 8
    "limiting-listener": Case(
        ("probeserver", "-max-conns=8"), ("--only", "connections", "--max-connections", "16")
    ),
    # a body limit checked on Content-Length answers a 1 MiB announcement with 413 at once
    "body-limit-by-length": Case(
        ("probeserver", f"-read-timeout={READ_TIMEOUT}s", f"-max-body={BODY_LIMIT}"),
        ("--only", "body-timeout,max-body", "--body-path", "/upload", "--max-body", "8MiB"),
    ),
    # the handler returns when its read times out; Go answers 200, Connection: close
    "read-deadline-200": Case(
        ("probeserver", f"-read-timeout={READ_TIMEOUT}s"),
        ("--only", "body-timeout", "--body-path", "/ignore"),
    ),
    # nginx's large_client_header_buffers 6 3k: each line 3 KiB at most, the head 18 KiB
    "per-line-header": Case(
        ("probelines", f"-line={LINE_LIMIT}", f"-total={HEAD_LIMIT}"), ("--only", "max-header")
    ),
    # nginx's send_timeout: each write must finish within SEND_TIMEOUT, not the response
    "send-timeout": Case(
        ("probeserver", f"-write-idle={SEND_TIMEOUT}s"),
        ("--only", "stalled-reader", "--large-path", "/large"),
    ),
    "own-file-limit": Case(
        ("probeserver",),
        ("--only", "connections", "--max-connections", "200"),
        nofile=(64, 64),
    ),
    "low-soft-file-limit": Case(
        ("probeserver",),
        ("--only", "connections", "--max-connections", "200"),
        nofile=(64, HARD_NOFILE),
    ),
}


@dataclass
class Run:
    code: int
    document: dict[str, Any]
    stderr: str

    def measured(self, name: str) -> dict[str, Any]:
        (m,) = [m for m in self.document["measurements"] if m["name"] == name]
        return m


# runs gotriage under an open-file limit (soft, hard), set in the child before it starts
UNDER_LIMIT = (
    "import resource, runpy, sys; "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[2]))); "
    "sys.argv = ['gotriage', *sys.argv[3:]]; runpy.run_module('gotriage', run_name='__main__')"
)


def launcher(nofile: tuple[int, int] | None) -> list[str]:
    if nofile is None:
        return [sys.executable, "-m", "gotriage"]
    return [sys.executable, "-c", UNDER_LIMIT, *map(str, nofile)]


@pytest.fixture(scope="module")
def runs(go_program) -> dict[str, Run]:
    with contextlib.ExitStack() as stack:
        procs = {}
        for name, case in CASES.items():
            program, *flags = case.server
            server = stack.enter_context(go_program(program, "-lifetime=60s", *flags))
            command = [
                *launcher(case.nofile),
                "probe",
                server.url("app") + case.path,
                "--format",
                "json",
                "--max-wait",
                f"{MAX_WAIT:g}s",
                *case.probe,
            ]
            procs[name] = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        out = {}
        for name, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=120)
            out[name] = Run(proc.returncode, json.loads(stdout) if stdout.strip() else {}, stderr)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_every_run_is_a_valid_document_within_its_bound(runs, name):
    run = runs[name]
    assert run.document, run.stderr
    assert "Traceback" not in run.stderr
    jsonschema.validate(run.document, probe_json.SCHEMA)
    # the final liveness check included (13 s at --max-wait 3 once)
    assert run.document["duration_seconds"] <= RUN_BOUND


@pytest.mark.parametrize("name", ["stops-accepting", "stops-answering"])
def test_a_server_that_stops_serving_is_inconclusive_not_untimed(runs, name):
    run = runs[name]
    for m in run.document["measurements"]:
        # nothing reads as "no timeout" or "still served": either could not tell or inconclusive
        assert m["status"] in ("inconclusive", "error"), m
        assert m["verdict"] in ("inconclusive", "error"), m
    header = run.measured("header-timeout")
    assert header["status"] == "inconclusive"
    assert "the server stopped answering" in header["detail"]
    assert run.code == 1


def test_a_stalled_reader_on_a_server_that_answers_nothing_is_not_still_served(runs):
    stalled = runs["stops-answering"].measured("stalled-reader")
    assert stalled["status"] == "inconclusive", stalled


def test_a_limiting_listener_is_measured_as_its_cap(runs):
    run = runs["limiting-listener"]
    connections = run.measured("connections")
    assert connections["status"] == "measured"
    assert connections["value"] == 8  # not "held 16": 8 waited in the kernel's accept queue
    assert "a connection cap of 8" in connections["detail"]
    assert connections["outcome"] == "not served" and connections["verdict"] == "bad"


def test_the_probes_own_file_limit_caps_connections_and_says_so(runs):
    run = runs["own-file-limit"]
    connections = run.measured("connections")
    assert connections["verdict"] == "warn", connections  # not "bad": the server was fine
    assert connections["outcome"] == "served"
    assert connections["value"] < 64
    (note,) = run.document["notes"]
    assert "--max-connections 200 capped to" in note and "RLIMIT_NOFILE" in note
    assert run.code == 0


def test_a_low_soft_file_limit_is_raised(runs):
    if HARD_NOFILE != resource.RLIM_INFINITY and HARD_NOFILE < 400:
        pytest.skip(f"the hard open-file limit is {HARD_NOFILE}")
    run = runs["low-soft-file-limit"]
    connections = run.measured("connections")
    assert connections["status"] == "none" and connections["value"] == 200, connections
    assert run.document["notes"] == []


EMFILE_SCRIPT = """
import asyncio, json, resource, sys
from gotriage.probe import connections
from gotriage.probe.conn import Session
from gotriage.probe.model import ProbeOptions
from gotriage.probe.target import resolve
from gotriage.probe.verdicts import assess

async def main():
    target = resolve(sys.argv[1], confirm_owned=False)
    resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))
    options = ProbeOptions(url=sys.argv[1], max_wait=3.0, max_connections=100)
    m = assess(await connections.measure(Session(target, None), options))
    print(json.dumps({"verdict": m.verdict, "detail": m.detail, "outcome": m.outcome}))

asyncio.run(main())
"""


def test_running_out_of_file_descriptors_is_the_probes_error_not_the_servers(go_program):
    # the measurement itself, without the run's check before it: the ramp meets EMFILE
    with go_program("probeserver", "-lifetime=30s") as server:
        done = subprocess.run(
            [sys.executable, "-c", EMFILE_SCRIPT, server.url("app")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verdict"] != "bad", result
    assert result["outcome"] == "served"
    assert "the probe's own file limit stopped it" in result["detail"]


@pytest.mark.parametrize("name", ["body-limit-by-length", "read-deadline-200"])
def test_body_timeout_is_measured_past_a_low_body_limit_and_a_finished_response(runs, name):
    body = runs[name].measured("body-timeout")
    assert body["status"] == "measured", body
    assert abs(body["value"] - READ_TIMEOUT) <= tolerance(READ_TIMEOUT) + body["precision"], body


def test_body_timeout_announces_a_body_under_the_measured_limit(runs):
    run = runs["body-limit-by-length"]
    limit = run.measured("max-body")
    assert limit["value"] <= BODY_LIMIT < limit["value"] + limit["precision"]
    assert f"announced a {int(limit['value'])}-byte body" in run.measured("body-timeout")["detail"]


def test_a_per_line_header_limit_is_measured_apart_from_the_total(runs):
    header = runs["per-line-header"].measured("max-header")
    assert header["status"] == "measured", header
    assert header["value"] <= HEAD_LIMIT < header["value"] + header["precision"]
    assert header["line_limit"] <= LINE_LIMIT < header["line_limit"] + header["line_precision"]
    assert header["line_precision"] <= 256
    # not Go (a 400 with a Server header, a per-line limit): no "MaxHeaderBytes ≈ 0 B"
    assert header["implied_setting"] is None
    assert "per-line limit" in header["detail"]


def test_stalled_readers_point_value_is_within_tolerance_of_a_send_timeout(runs):
    stalled = runs["send-timeout"].measured("stalled-reader")
    assert stalled["status"] == "measured", stalled
    low, high = stalled["value"] - stalled["precision"], stalled["value"] + stalled["precision"]
    assert low - tolerance(SEND_TIMEOUT) <= SEND_TIMEOUT <= high + tolerance(SEND_TIMEOUT)
    # the point value itself, not only its interval
    assert abs(stalled["value"] - SEND_TIMEOUT) <= tolerance(SEND_TIMEOUT), stalled


def test_a_slow_url_is_answered_late_not_inconclusive(runs):
    header = runs["slow-url"].measured("header-timeout")
    assert header["status"] == "measured", header
    assert abs(header["value"] - HEADER_TIMEOUT) <= tolerance(HEADER_TIMEOUT) + header["precision"]
