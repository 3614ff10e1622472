"""The doctorsvc fixture with everything wrong (and held by silent clients) or fixed, and one
doctor run over each, shared by the tests of this package."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURE_SOURCE = Path(__file__).parent.parent / "go" / "cmd" / "doctorsvc"
BUDGET = 12
SILENT_CLIENTS = 60


def run_doctor(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gotriage", "doctor", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


@contextlib.contextmanager
def silent_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """Clients that connect and never send a byte: what a server without timeouts keeps."""
    socks = []
    try:
        for _ in range(count):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        yield socks
    finally:
        for s in socks:
            s.close()


@pytest.fixture(scope="session")
def broken_run(go_program, tmp_path_factory):
    """doctor over URL + pprof + source + pid of the service with every problem."""
    out = tmp_path_factory.mktemp("doctor")
    html = out / "report.html"
    with go_program("doctorsvc", "-lifetime=90s") as prog:
        app, pprof = prog.url("app"), prog.url("pprof")
        with silent_clients(port_of(app), SILENT_CLIENTS):
            time.sleep(0.5)  # the connections reach the server before the first dump
            done = run_doctor(
                "--url", app, "--pprof", pprof, "--source", str(FIXTURE_SOURCE),
                "--pid", str(prog.process.pid), "--budget", str(BUDGET), "--idle", "2",
                "--format", "json", "--html", str(html),
            )  # fmt: skip
    assert done.returncode == 1, done.stderr
    return json.loads(done.stdout), html


@pytest.fixture(scope="session")
def fixed_run(go_program):
    with go_program("doctorsvc", "-lifetime=90s", "-fixed") as prog:
        app, pprof = prog.url("app"), prog.url("pprof")
        done = run_doctor(
            "--url", app, "--pprof", pprof, "--pid", str(prog.process.pid),
            "--budget", str(BUDGET), "--idle", "2", "--format", "json",
        )  # fmt: skip
    return done.returncode, json.loads(done.stdout), done.stderr
