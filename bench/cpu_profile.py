"""Speed and memory of ``gotriage cpu`` on a large CPU profile and a large trace log.

Profile: the ``cpuburn`` fixture program (tests/go/cmd) is built with the pinned toolchain and
run in several modes on 127.0.0.1; a 2-second CPU profile of each is captured. The captures are
merged into one profile (strings, functions and locations re-indexed) and grown to 20,000
distinct stacks holding 100,000 samples: each copy of a capture's stacks gets fresh locations
whose addresses are shifted, so every stack stays distinct. The whole command
``python -m gotriage cpu FILE --format json -q`` and ``go tool pprof -top FILE`` are then run on
the same file, alternately, ``--runs`` times each; the table shows median wall times, their
ratio and each child's peak resident set (its VmHWM).

Log: the stderr of ``cpuburn`` run with ``GODEBUG=schedtrace=100,gctrace=1`` among its own log
lines is repeated, its clocks advanced, to 100 MB (and to 10 MB, to show the memory stays flat);
the command reads each and the table shows MB/s and peak RSS.

    python bench/cpu_profile.py [--runs 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from goroutines_throughput import _kill, work_dir
from gotriage import fetch
from gotriage.goroutines.profile_schema import profile_class
from gotriage.gotool import build_commands, find_toolchain, run_program

ROOT = Path(__file__).resolve().parents[1]
GO_MODULE = ROOT / "tests" / "go"
MODES = ("gc", "scheduler", "locks", "churn", "user")
TARGET_SAMPLES = 100_000
TARGET_STACKS = 20_000
PC_SHIFT = 0x100000
CHILD_TIMEOUT = 600.0


def capture_profiles(binaries: Path) -> list[bytes]:
    out = []
    for mode in MODES:
        env = {**os.environ, "GOMAXPROCS": "2"}
        with run_program(binaries / "cpuburn", [f"-mode={mode}", "-lifetime=60s"], env=env) as p:
            url = fetch.pprof_url(p.url(), "profile", "seconds=2")
            out.append(fetch.fetch_bytes(url, timeout=60))
    return out


def grow_profile(captures: list[bytes]) -> tuple[bytes, int, int]:
    """(gzipped profile, samples, distinct stacks) grown from the captures."""
    profile_type = profile_class()
    profiles = [profile_type.FromString(gzip.decompress(data)) for data in captures]
    merged = profile_type()
    merged.CopyFrom(profiles[0])
    for name in ("sample", "location", "function", "mapping"):
        del getattr(merged, name)[:]
    strings = {s: i for i, s in enumerate(merged.string_table)}

    def intern(text: str) -> int:
        if text not in strings:
            strings[text] = len(strings)
            merged.string_table.append(text)
        return strings[text]

    functions: list[dict[int, int]] = []
    for profile in profiles:
        table = list(profile.string_table)
        ids = {}
        for function in profile.function:
            new = merged.function.add(id=len(merged.function) + 1)
            new.name = intern(table[function.name])
            new.system_name = intern(table[function.system_name])
            new.filename = intern(table[function.filename])
            ids[function.id] = new.id
        functions.append(ids)
    mapping = merged.mapping.add()
    mapping.CopyFrom(profiles[0].mapping[0])
    mapping.filename = intern(profiles[0].string_table[profiles[0].mapping[0].filename])
    mapping.build_id = intern(profiles[0].string_table[profiles[0].mapping[0].build_id])
    mapping.has_functions = mapping.has_filenames = mapping.has_line_numbers = True
    real = [(p, s) for p in profiles for s in p.sample]
    weights = [s.value[0] for _, s in real]
    total_weight = sum(weights)
    stacks, copy, next_location = 0, 0, 1
    relocated: dict[tuple[int, int], int] = {}
    samples_left = TARGET_SAMPLES
    while stacks < TARGET_STACKS:
        shift = copy * PC_SHIFT
        for index, (profile, sample) in enumerate(real):
            if stacks == TARGET_STACKS:
                break
            pi = profiles.index(profile)
            ids = []
            for loc_id in sample.location_id:
                key = (pi, loc_id + (copy << 32))
                new_id = relocated.get(key)
                if new_id is None:
                    location = next(lo for lo in profile.location if lo.id == loc_id)
                    new = merged.location.add(id=next_location, mapping_id=mapping.id)
                    new.address = location.address + shift
                    for line in location.line:
                        new.line.add(function_id=functions[pi][line.function_id], line=line.line)
                    new_id = relocated[key] = next_location
                    next_location += 1
                ids.append(new_id)
            left_stacks = TARGET_STACKS - stacks
            share = max(1, round(TARGET_SAMPLES * weights[index] / total_weight / 4))
            count = (
                samples_left - (left_stacks - 1)
                if left_stacks == 1
                else min(share, samples_left - (left_stacks - 1))
            )
            count = max(count, 1)
            new_sample = merged.sample.add()
            new_sample.location_id.extend(ids)
            new_sample.value.extend([count, count * merged.period])
            samples_left -= count
            stacks += 1
        copy += 1
    total = sum(s.value[0] for s in merged.sample)
    return gzip.compress(merged.SerializeToString(), compresslevel=6), total, len(merged.sample)


def capture_log(binaries: Path, path: Path) -> list[str]:
    env = {**os.environ, "GOMAXPROCS": "2", "GODEBUG": "schedtrace=100,gctrace=1"}
    with (
        path.open("wb") as err,
        run_program(
            binaries / "cpuburn", ["-mode=gc", "-lifetime=60s"], env=env, stderr=err.fileno()
        ),
    ):
        time.sleep(3)
    return path.read_text().splitlines()


_SCHED_MS = re.compile(r"^SCHED (\d+)ms")
_GC_AT = re.compile(r"^gc (\d+) @(\d+\.\d+)s")


def grow_log(lines: list[str], path: Path, megabytes: int) -> int:
    """Repeat the captured lines, clocks advanced, to ``megabytes`` MB; the size written."""
    target = megabytes * 1_000_000
    size, offset_ms, gc_offset = 0, 0, 0
    with path.open("w") as out:
        while size < target:
            last_ms, last_gc = 0, 0
            chunk = []
            for line in lines:
                if m := _SCHED_MS.match(line):
                    last_ms = int(m.group(1))
                    line = f"SCHED {last_ms + offset_ms}ms{line[m.end() :]}"
                elif m := _GC_AT.match(line):
                    last_gc = int(m.group(1))
                    at = float(m.group(2)) + offset_ms / 1000
                    line = f"gc {last_gc + gc_offset} @{at:.3f}s{line[m.end() :]}"
                chunk.append(line)
            text = "\n".join(chunk) + "\n"
            out.write(text)
            size += len(text)
            offset_ms += last_ms + 100
            gc_offset += last_gc
    return size


def _peak_kib(pid: int) -> int:
    """The process's own high-water mark (VmHWM), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:  # noqa: PTH123
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KiB) and exit code of one child run.

    The peak is the child's VmHWM, read every few milliseconds until it exits: ``ru_maxrss``
    would count the resident size of this (larger) benchmark process at the fork before exec.
    """
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    timer = threading.Timer(CHILD_TIMEOUT, _kill, (process.pid,))
    timer.start()
    peak = 0
    try:
        while process.poll() is None:
            peak = max(peak, _peak_kib(process.pid))
            time.sleep(0.005)
    finally:
        timer.cancel()
    return time.perf_counter() - start, peak, process.returncode


def analysis_seconds(path: Path) -> float:
    """Median of 3 in-process runs of the analysis alone, without interpreter start-up."""
    from gotriage.cpu.analyse import analyse
    from gotriage.cpu.sources import load
    from gotriage.cpu.verdicts import Thresholds

    runs = []
    for _ in range(3):
        start = time.perf_counter()
        analyse([load(str(path), max_bytes=1 << 30)], Thresholds())
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def gotriage_cpu(path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gotriage",
        "cpu",
        str(path),
        "--format",
        "json",
        "-q",
        "--no-config",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", help="keep the generated inputs here")
    args = parser.parse_args(argv)
    toolchain = find_toolchain()
    with work_dir(args.out) as work:
        binaries = build_commands(GO_MODULE, work / "bin", toolchain)
        print(f"capturing 2 s CPU profiles of cpuburn in modes {', '.join(MODES)} ...", flush=True)
        data, samples, stacks = grow_profile(capture_profiles(binaries))
        profile = work / "cpu-100k.pb.gz"
        profile.write_bytes(data)
        print(
            f"profile: {samples:,} samples, {stacks:,} distinct stacks, "
            f"{len(data) / 1e6:.1f} MB gzipped"
        )
        pprof = [str(toolchain.go), "tool", "pprof", "-top", str(profile)]
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(measure(gotriage_cpu(profile)))
            theirs.append(measure(pprof))
        result = subprocess.run(gotriage_cpu(profile), capture_output=True, check=False)
        doc = json.loads(result.stdout)
        ours_s = statistics.median(r[0] for r in ours)
        theirs_s = statistics.median(r[0] for r in theirs)
        print()
        print("| command | median s | runs | peak RSS MB |")
        print("|---|---:|---|---:|")
        for name, runs, median in (
            ("gotriage cpu FILE --format json -q", ours, ours_s),
            ("go tool pprof -top FILE", theirs, theirs_s),
        ):
            rss = statistics.median(r[1] for r in runs) / 1024
            listed = ", ".join(f"{r[0]:.2f}" for r in runs)
            print(f"| `{name}` | {median:.2f} | {listed} | {rss:.1f} |")
        print(
            f"\nratio gotriage / pprof: {ours_s / theirs_s:.2f} (below 1 means gotriage is faster)"
        )
        print(
            "in-process analysis alone (decode, categorise, verdicts): "
            f"{analysis_seconds(profile):.2f} s"
        )
        print(
            f"gotriage exit code {result.returncode}, dominant {doc['dominant']}, "
            f"verdicts {[v['id'] for v in doc['verdicts']]}"
        )

        print("\ncapturing 3 s of GODEBUG=schedtrace=100,gctrace=1 stderr ...", flush=True)
        lines = capture_log(binaries, work / "stderr.log")
        print("\n| log | MB | median s | MB/s | peak RSS MB |")
        print("|---|---:|---:|---:|---:|")
        for megabytes in (10, 100):
            log = work / f"trace-{megabytes}mb.log"
            size = grow_log(lines, log, megabytes)
            runs = [measure(gotriage_cpu(log)) for _ in range(args.runs)]
            median = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs) / 1024
            print(
                f"| {log.name} | {size / 1e6:.0f} | {median:.2f} | "
                f"{size / 1e6 / median:.1f} | {rss:.1f} |"
            )
            log.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
