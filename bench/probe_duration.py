"""How long a whole ``gotriage probe`` takes against servers with known timeouts.

The probe runs its measurements concurrently, so it should take little more than the longest
timeout it measures (target: at most that plus 3 seconds). The ``probeserver`` fixture (in
tests/go/cmd) is built with the pinned toolchain and started on 127.0.0.1 with each
configuration below; the whole command is run ``--runs`` times in a child process with every
measurement enabled::

    python -m gotriage probe URL --format json -q --body-path /body --slow-path /slow \\
        --large-path /large [--insecure]

and its wall time (process start to exit) and its own ``duration_seconds`` are recorded. The
table shows medians next to the longest configured timeout.

    python bench/probe_duration.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gotriage.gotool import build_commands, run_program

ROOT = Path(__file__).resolve().parents[1]
GO_MODULE = ROOT / "tests" / "go"
MARGIN = 3.0

CONFIGS: dict[str, dict[str, str]] = {
    "all timeouts, http": {
        "read-header-timeout": "1s",
        "read-timeout": "3s",
        "idle-timeout": "2s",
        "write-timeout": "1.5s",
        "max-header-bytes": "65536",
        "max-body": "1048576",
    },
    "write timeout longest": {
        "read-header-timeout": "0.5s",
        "read-timeout": "1s",
        "idle-timeout": "1s",
        "write-timeout": "4s",
        "max-body": "262144",
    },
    "all timeouts, https": {
        "tls": "true",
        "read-header-timeout": "2s",
        "read-timeout": "5s",
        "idle-timeout": "3s",
        "write-timeout": "2.5s",
        "max-header-bytes": "32768",
        "max-body": "4194304",
    },
}


def longest_timeout(config: dict[str, str]) -> float:
    return max(float(v.removesuffix("s")) for k, v in config.items() if k.endswith("timeout"))


def run_once(url: str, tls: bool) -> tuple[float, float]:
    command = [
        sys.executable,
        "-m",
        "gotriage",
        "probe",
        url,
        "--format",
        "json",
        "-q",
        "--body-path",
        "/body",
        "--slow-path",
        "/slow",
        "--large-path",
        "/large",
    ]
    if tls:
        command.append("--insecure")
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"probe failed ({done.returncode}): {done.stderr.strip()}")
    return wall, float(json.loads(done.stdout)["duration_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bin_dir = build_commands(GO_MODULE, Path(tmp))
        rows = []
        for name, config in CONFIGS.items():
            flags = [f"-{k}" if v == "true" else f"-{k}={v}" for k, v in config.items()]
            with run_program(bin_dir / "probeserver", ["-lifetime=600s", *flags]) as server:
                runs = [run_once(server.url("app"), "tls" in config) for _ in range(args.runs)]
            walls = [w for w, _ in runs]
            probes = [p for _, p in runs]
            longest = longest_timeout(config)
            rows.append((name, longest, statistics.median(walls), statistics.median(probes)))

    print(f"whole probe vs longest configured timeout, medians of {args.runs} runs")
    print(f"{'configuration':<24} {'longest':>8} {'wall':>8} {'probe':>8} {'over':>7}  target")
    for name, longest, wall, probe in rows:
        over = wall - longest
        verdict = "ok" if over <= MARGIN else "MISSED"
        print(
            f"{name:<24} {longest:>7.2f}s {wall:>7.2f}s {probe:>7.2f}s {over:>+6.2f}s  "
            f"<= +{MARGIN:g}s {verdict}"
        )


if __name__ == "__main__":
    main()
