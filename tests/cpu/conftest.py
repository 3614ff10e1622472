"""Live captures from the cpuburn fixture program, shared by the cpu tests."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gotriage import gotool
from gotriage.cli import main

#: GODEBUG for captured logs: schedtrace every 200 ms so a few seconds give a series.
TRACE_GODEBUG = "schedtrace=200,gctrace=1"


@pytest.fixture
def cpu_cli(capsys) -> Callable[..., tuple[int, dict]]:
    """``code, doc = cpu_cli(SOURCE, ...)``: the command run in-process, its JSON read back."""

    def run(*args: str) -> tuple[int, dict]:
        code = main(["cpu", *args, "--format", "json", "-q", "--no-config"])
        captured = capsys.readouterr()
        assert code in (0, 1), captured.err
        return code, json.loads(captured.out)

    return run


def start_burn(binary: Path, mode: str, *extra: str, godebug: str = "", stderr=subprocess.DEVNULL):
    """Start cpuburn in ``mode`` on two Ps; killed when the context ends."""
    env = {**os.environ, "GOMAXPROCS": "2"}
    if godebug:
        env["GODEBUG"] = godebug
    return gotool.run_program(
        binary, [f"-mode={mode}", "-lifetime=60s", *extra], env=env, stderr=stderr
    )


def capture_log(binary: Path, mode: str, path: Path, *, seconds: float, godebug: str) -> Path:
    """The program's stderr with GODEBUG traces after running ``seconds`` in ``mode``."""
    with (
        path.open("wb") as err,
        start_burn(binary, mode, godebug=godebug, stderr=err.fileno()) as prog,
    ):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert prog.process.poll() is None, f"cpuburn -mode={mode} exited early"
            time.sleep(0.1)
    return path


@pytest.fixture(scope="session")
def cpuburn(go_bin: Path) -> Path:
    return go_bin / "cpuburn"


@pytest.fixture(scope="session")
def burn() -> Callable[..., object]:
    return start_burn


@pytest.fixture(scope="session")
def log_of() -> Callable[..., Path]:
    return capture_log
