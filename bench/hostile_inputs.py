"""What hostile peers and inputs cost the whole ``gotriage goroutines`` command.

Starts the ``hostile`` fixture program (tests/go/cmd/hostile) on 127.0.0.1, runs
``python -m gotriage goroutines URL --timeout 2 -q`` against each of its modes, and runs the
command on generated files (a 5 MB gzip bomb that inflates to 5 GiB, a 200,000-frame protobuf
sample, a 20,000-component source path under ``--source-root``). Each run is a child process:
the table shows its exit code, wall time, peak resident memory (``ru_maxrss`` from ``wait4``)
and the start of its error line. A run still going after ``--kill-after`` seconds is killed
(exit -9). The cases and generators are the regression suite's (tests/hostile).

    python bench/hostile_inputs.py [--kill-after 60]

The children import gotriage the way this interpreter does, so ``PYTHONPATH=OTHER/src`` in
front of the command measures another tree (an earlier commit) with the same cases.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

from hostile_run import Run, run_gotriage  # noqa: E402
from test_hostile_http import CASES, PROFILE, TIMEOUT  # noqa: E402
from test_hostile_inputs import crowd, gzip_bomb, profile  # noqa: E402

from gotriage.gotool import build_commands, run_program  # noqa: E402


def row(name: str, run: Run) -> str:
    message = run.err.strip().splitlines()[-1] if run.err.strip() else ""
    message = message.split(": error: ", 1)[-1]
    if message.startswith(("http://", "/")):  # the URL or file is the case's own: skip it
        message = "..." + message.split("debug=2", 1)[-1].split(".gz", 1)[-1][:64]
    return f"{name:<22} {run.code:>4} {run.seconds:>7.2f}s {run.peak_mb:>7.0f} MB  {message}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kill-after", type=float, default=60.0)
    args = parser.parse_args()
    kill = args.kill_after
    print(f"{'case':<22} {'exit':>4} {'wall':>8} {'peak':>10}  message")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        binaries = build_commands(ROOT / "tests" / "go", work / "bin")
        with run_program(binaries / "hostile", ["-lifetime=900s"]) as prog:
            base = prog.url("hostile")
            for case in CASES:
                url = f"{base}{case.mode}/" + ("" if case.base else PROFILE)
                command = ["goroutines", url, "--timeout", str(TIMEOUT), "-q", *case.args]
                print(row(case.mode, run_gotriage(*command, kill_after=kill)), flush=True)
        bomb = gzip_bomb(work / "bomb.pb.gz", 5 << 10)
        print(row("file: gzip bomb", run_gotriage("goroutines", str(bomb), kill_after=kill)))
        deep = work / "deep.pb.gz"
        deep.write_bytes(profile(stack_depth=200_000))
        print(row("file: deep sample", run_gotriage("goroutines", str(deep), kill_after=kill)))
        dump = work / "deep-path.txt"
        dump.write_text(crowd("/" + "/".join(["d"] * 20_000) + "/main.go"))
        run = run_gotriage("goroutines", str(dump), "--source-root", tmp, kill_after=kill)
        print(row("file: 20,000-deep path", run))


if __name__ == "__main__":
    main()
