"""Run gotriage as a separate process and measure it: exit code, output, wall time, peak memory.

Hostile-input cases assert bounds on the whole process, so each runs in its own interpreter
and its peak resident memory comes from ``wait4`` for that one process. It is started by a
small launcher: a process forked from the test session itself would count the session's
memory in its ``ru_maxrss`` (the copy it held between fork and exec), hundreds of MB late in
a full run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Forks and execs the command, waits for it, writes its peak RSS (KiB) to the file argv[1].
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""

COMMAND = (sys.executable, "-m", "gotriage")

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
            peak_path = Path(tmp) / "peak"
            start = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, str(peak_path), *COMMAND, *args],
                stdin=inp,
                stdout=out,
                stderr=err,
                env={**os.environ, **(env or {})},
                start_new_session=True,  # so that a kill reaches the command too
            )
            try:
                process.wait(kill_after)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            seconds = time.monotonic() - start
        text = "" if stdout else out_path.read_text(errors="replace")
        return Run(
            process.returncode,
            text,
            err_path.read_text(errors="replace"),
            seconds,
            int(peak_path.read_text() or 0) / 1024 if peak_path.exists() else 0.0,
        )
