"""Run gotriage as a separate process and measure it: exit code, output, wall time, peak memory.

Hostile-input cases assert bounds on the whole process, so each runs in its own interpreter
and its peak resident memory comes from ``wait4`` for that one child (``RUSAGE_CHILDREN``
would be the largest of every child the test session ever waited for).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Generous on purpose: these bounds catch "forever" and "gigabytes", not slowness under load.
SLACK_SECONDS = 15.0
BASE_MEMORY_MB = 150  # an idle interpreter with gotriage imported is about 40 MB


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float

    def one_line_error(self) -> str:
        """The error line, after checking it is the only line and no traceback."""
        lines = self.err.strip().splitlines()
        assert "Traceback" not in self.err, self.err[-2000:]
        assert len(lines) == 1, self.err[-2000:]
        return lines[0]


def run_gotriage(
    *args: str,
    stdin: Path | None = None,
    stdout: str | None = None,
    kill_after: float = 120.0,
    env: dict[str, str] | None = None,
) -> Run:
    """``python -m gotriage ARGS``; ``stdout`` names a file to write the report to (/dev/full),
    ``env`` adds to the environment."""
    with tempfile.TemporaryDirectory() as tmp:
        out_path = Path(stdout) if stdout else Path(tmp) / "out"
        err_path = Path(tmp) / "err"
        with (
            out_path.open("wb") as out,
            err_path.open("wb") as err,
            stdin.open("rb") if stdin else open(os.devnull, "rb") as inp,  # noqa: PTH123
        ):
            start = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "-m", "gotriage", *args],
                stdin=inp,
                stdout=out,
                stderr=err,
                env={**os.environ, **(env or {})},
            )
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - start > kill_after:
                    process.kill()
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.02)
            seconds = time.monotonic() - start
            process.returncode = os.waitstatus_to_exitcode(status)
        text = "" if stdout else out_path.read_text(errors="replace")
        return Run(
            process.returncode,
            text,
            err_path.read_text(errors="replace"),
            seconds,
            usage.ru_maxrss / 1024,
        )
