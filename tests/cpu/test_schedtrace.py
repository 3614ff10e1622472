"""schedtrace lines across Go releases: whole, line by line, inside junk, and arbitrary input."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage import gotool
from gotriage.cpu.schedtrace import SchedSummary, SchedtraceParser, g_status, parse_lines
from gotriage.cpu.textlog import read_log

# (release, lines, expected samples as (ms, gomaxprocs, idleprocs, threads, runnable, statuses))
CASES = [
    (
        "1.27 (live shape)",
        [
            "SCHED 0ms: gomaxprocs=2 idleprocs=0 threads=4 spinningthreads=1 needspinning=0 "
            "idlethreads=0 runqueue=0 [ 2 0 ] schedticks=[ 0 0 ]",
            "SCHED 1004ms: gomaxprocs=2 idleprocs=1 threads=6 spinningthreads=0 needspinning=0 "
            "idlethreads=2 runqueue=3 [ 1 4 ] schedticks=[ 812 790 ]",
        ],
        [(0, 2, 0, 4, 2, {}), (1004, 2, 1, 6, 8, {})],
    ),
    (
        "1.21 to 1.24",
        [
            "SCHED 2001ms: gomaxprocs=4 idleprocs=4 threads=9 spinningthreads=0 needspinning=0 "
            "idlethreads=5 runqueue=0 [0 0 1 0]",
        ],
        [(2001, 4, 4, 9, 1, {})],
    ),
    (
        "1.19 and 1.20 (runtime/proc.go of go1.19: no needspinning)",
        [
            "SCHED 3006ms: gomaxprocs=4 idleprocs=0 threads=26 spinningthreads=0 idlethreads=8 "
            "runqueue=2 [0 1 1 0]",
        ],
        [(3006, 4, 0, 26, 4, {})],
    ),
    (
        "1.27 scheddetail",
        [
            "SCHED 307ms: gomaxprocs=2 idleprocs=2 threads=4 spinningthreads=0 needspinning=0 "
            "idlethreads=2 runqueue=1 gcwaiting=false nmidlelocked=0 stopwait=0 sysmonwait=false",
            "  P0: status=0 schedtick=2 syscalltick=0 m=nil runqsize=2 gfreecnt=0 timerslen=0",
            "  P1: status=0 schedtick=6 syscalltick=12 m=nil runqsize=0 gfreecnt=0 timerslen=3",
            "  M1: p=nil curg=nil mallocing=0 throwing=0 preemptoff= locks=32 dying=0 "
            "spinning=false blocked=false lockedg=nil",
            "  G1: status=4(sleep) m=nil lockedm=nil",
            "  G2: status=4(force gc (idle)) m=nil lockedm=nil",
            "  G19: status=4(IO wait) m=nil lockedm=nil",
            "  G20: status=4(IO wait) m=nil lockedm=nil",
            "  G21: status=1() m=nil lockedm=nil",
            "  G22: status=6() m=nil lockedm=nil",
            "  G23: status=4098(chan receive) m=nil lockedm=nil",
        ],
        [
            (
                307,
                2,
                2,
                4,
                3,
                {
                    "waiting (sleep)": 1,
                    "waiting (force gc (idle))": 1,
                    "waiting (IO wait)": 2,
                    "runnable": 1,
                    "running": 1,
                },
            )
        ],
    ),
    (
        "1.19 scheddetail (m=-1 for none)",
        [
            "SCHED 0ms: gomaxprocs=1 idleprocs=0 threads=2 spinningthreads=0 idlethreads=0 "
            "runqueue=0 gcwaiting=0 nmidlelocked=0 stopwait=0 sysmonwait=0",
            "  P0: status=1 schedtick=0 syscalltick=0 m=0 runqsize=0 gfreecnt=0 timerslen=0",
            "  M0: p=0 curg=1 mallocing=0 throwing=0 preemptoff= locks=1 dying=0 spinning=false "
            "blocked=false lockedg=1",
            "  G1: status=2(sleep) m=0 lockedm=0",
            "  G2: status=4(force gc (idle)) m=-1 lockedm=-1",
        ],
        [(0, 1, 0, 2, 0, {"running": 1, "waiting (force gc (idle))": 1})],
    ),
]


def _facts(samples):
    return [
        (s.ms, s.gomaxprocs, s.idleprocs, s.threads, s.runnable, dict(s.statuses)) for s in samples
    ]


@pytest.mark.parametrize(("release", "lines", "expected"), CASES)
def test_whole(release, lines, expected):
    assert _facts(parse_lines(lines)) == expected


@pytest.mark.parametrize(("release", "lines", "expected"), CASES)
def test_line_by_line(release, lines, expected):
    parser = SchedtraceParser()
    out = []
    for line in lines:
        done = parser.feed(line)
        if done is not None:
            out.append(done)
    last = parser.close()
    assert _facts([*out, *([last] if last else [])]) == expected


@pytest.mark.parametrize(("release", "lines", "expected"), CASES)
def test_inside_junk_and_log_prefixes(release, lines, expected):
    junk = ["2026/12/01 11:00:00 served 12 requests", "", "\x1b[31mERROR\x1b[0m x=1 y=2", "SCHED"]
    prefixed = [f"2026-12-01T11:00:00.123Z stderr F {line}" for line in lines]
    mixed = [junk[0], *prefixed[:1], junk[1], *prefixed[1:], *junk[2:]]
    assert _facts(parse_lines(mixed)) == expected


def test_status_names():
    assert g_status(4, "chan receive") == "waiting (chan receive)"
    assert g_status(0x1001, "") == "runnable"
    assert g_status(6, "") is None
    assert g_status(99, "") == "status 99"


def test_a_malformed_summary_is_an_issue():
    parser = SchedtraceParser()
    assert parser.feed("SCHED 10ms: gomaxprocs=2 threads=4") is None
    assert parser.issues and parser.issues[0].line == 1


def test_summary_trends_and_growing_statuses():
    summary = SchedSummary()
    for i in range(10):
        lines = [
            f"SCHED {i * 1000}ms: gomaxprocs=2 idleprocs=0 threads={5 + 10 * i} "
            f"spinningthreads=0 idlethreads=0 runqueue=0 gcwaiting=false nmidlelocked=0",
            *[f"  G{n}: status=4(IO wait) m=nil lockedm=nil" for n in range(20 * i)],
            "  G1: status=4(chan receive) m=nil lockedm=nil",
        ]
        for sample in parse_lines(lines):
            summary.add(sample)
    assert summary.threads.trend == "rising" and summary.threads.change == pytest.approx(90)
    assert [s.name for s in summary.growing_statuses(50)] == ["waiting (IO wait)"]
    assert summary.statuses["waiting (chan receive)"].trend == "flat"


@given(st.lists(st.text(max_size=120), max_size=40))
def test_arbitrary_lines_never_raise(lines):
    parse_lines(lines)
    read_log(lines)


@given(
    st.lists(st.sampled_from([line for _, ls, _ in CASES for line in ls] + ["x", ""]), max_size=30)
)
def test_arbitrary_mixes_of_real_lines(lines):
    log = read_log(lines)
    assert log.sched.samples <= sum("SCHED" in line for line in lines)


def live_lines(binary, godebug: str, tmp_path) -> list[str]:
    """stderr of cpuburn -mode=gc run for 1.5 s with ``godebug``."""
    path = tmp_path / "stderr.log"
    env = {**os.environ, "GODEBUG": godebug, "GOMAXPROCS": "2"}
    args = ["-mode=gc", "-lifetime=30s"]
    with (
        path.open("wb") as err,
        gotool.run_program(binary, args, env=env, stderr=err.fileno()) as prog,
    ):
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline and prog.process.poll() is None:
            time.sleep(0.1)
    return path.read_text().splitlines()


@pytest.mark.parametrize("detail", [False, True])
def test_live_go_1_27(go_bin, tmp_path, detail):
    godebug = "schedtrace=200,gctrace=1" + (",scheddetail=1" if detail else "")
    lines = live_lines(go_bin / "cpuburn", godebug, tmp_path)
    log = read_log(lines)
    assert log.sched.samples >= 3 and log.gc.cycles >= 1 and not log.issues
    assert log.sched.detailed is detail
    assert log.sched.gomaxprocs == 2


@pytest.mark.slow
def test_live_go_1_21(old_go_bin, tmp_path):
    lines = live_lines(old_go_bin / "cpuburn", "schedtrace=200,gctrace=1,scheddetail=1", tmp_path)
    log = read_log(lines)
    assert log.sched.samples >= 3 and log.gc.cycles >= 1 and not log.issues
    assert log.sched.detailed and log.sched.statuses
    summaries = [line for line in lines if line.startswith("SCHED ")]
    assert "needspinning=" in summaries[0] and "schedticks" not in summaries[0]
