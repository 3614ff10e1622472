"""Render the doctor HTML report of a 100,000-goroutine dump with 5,000 groups and time it in
headless chromium; print the file size and the times.

    python bench/html_report.py [--goroutines 100000] [--groups 5000] [--runs 3] [--out DIR]

The dump is generated (debug=2 text: each group a distinct blocking site in its own function,
created by main.main), so every group is a leak suspect. Printed: the time of
``gotriage doctor DUMP --html FILE`` as a whole process, the page's size, and the browser's time
to load and lay it out (``--dump-dom`` of the page, minus the same for an empty page: chromium's
own start-up), median of the runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from tests.report import browser


def dump(goroutines: int, groups: int) -> str:
    per = goroutines // groups
    out = []
    gid = 2
    for g in range(groups):
        for _ in range(per):
            out.append(
                f"goroutine {gid} [chan send, 12 minutes]:\n"
                f"main.worker{g}(0xc000010000)\n\t/src/service/worker{g % 50}.go:{10 + g} +0x1d\n"
                "created by main.main in goroutine 1\n\t/src/service/main.go:20 +0x2e\n\n"
            )
            gid += 1
    return "".join(out)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goroutines", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", help="keep the dump and the page here")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="gotriage-html-"))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "dump.txt"
    path.write_text(dump(args.goroutines, args.groups))
    page = out / "report.html"
    cmd = [sys.executable, "-m", "gotriage", "doctor", "-q", str(path), "--html", str(page)]
    renders = [timed([*cmd, "--format", "json"]) for _ in range(args.runs)]
    empty = out / "empty.html"
    empty.write_text("<!DOCTYPE html><title>empty</title>")
    browser_times, blank_times = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        _, console = browser.run(empty, "--dump-dom")
        blank_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        dom, console = browser.run(page, "--dump-dom")
        browser_times.append(time.perf_counter() - start)
    size = page.stat().st_size
    print(
        f"dump: {path.stat().st_size / 1e6:.1f} MB, {args.goroutines} goroutines, "
        f"{args.groups} groups"
    )
    print(f"gotriage doctor --html (whole process): median {statistics.median(renders):.2f} s")
    print(f"page: {size / 1e6:.2f} MB ({size} bytes)")
    load = statistics.median(browser_times) - statistics.median(blank_times)
    print(
        f"chromium load and layout: median {statistics.median(browser_times):.2f} s, of which "
        f"start-up (empty page) {statistics.median(blank_times):.2f} s: {load:.2f} s for the page"
    )
    print(f"console messages: {len(console)}; DOM bytes {len(dom)}")


if __name__ == "__main__":
    main()
