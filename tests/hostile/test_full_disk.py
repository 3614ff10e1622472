"""Output that cannot be written: one line and exit 2 for every command, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hostile_run import run_gotriage

CASES = Path(__file__).parents[1] / "goroutines" / "cases"
AUDIT = Path(__file__).parents[1] / "go" / "audit" / "server-read-timeout" / "bad"
FULL = Path("/dev/full")


def a_dump() -> str:
    return str(sorted(CASES.glob("*.txt"))[0])


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["goroutines", "CASE"],
        ["goroutines", "CASE", "--format", "json"],
        ["audit", str(AUDIT)],
        ["audit", str(AUDIT), "--format", "json"],
        ["--help"],
        ["probe", "--help"],
        ["demo", "--help"],
    ],
    ids=lambda args: " ".join(a for a in args if a != "CASE" and "/" not in a),
)
def test_full_disk_is_one_line_and_exit_2(args: list[str]):
    run = run_gotriage(*[a_dump() if a == "CASE" else a for a in args], stdout=str(FULL))
    assert run.code == 2
    line = run.one_line_error()
    assert "cannot write the report to standard output: No space left on device" in line


def test_closed_standard_output_is_one_line_and_exit_2():
    done = subprocess.run(
        ["sh", "-c", 'exec "$0" -m gotriage goroutines "$1" >&-', sys.executable, a_dump()],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "gotriage: error: cannot write the report: standard output is closed"
    )
