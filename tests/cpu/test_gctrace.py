"""gctrace lines across Go releases: whole, line by line, inside junk, and arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.cpu.gctrace import GCSummary, parse_line, parse_lines
from gotriage.model import ParseIssue

# (release, line, (number, at, percent, assist, background, idle, live, goal, procs, forced))
CASES = [
    (
        "1.27, captured",
        "gc 3 @0.022s 36%: 1.4+21+0.025 ms clock, 2.9+13/11/0+0.051 ms cpu, 22->35->34 MB, "
        "26 MB goal, 0 MB stacks, 0 MB globals, 2 P",
        (3, 0.022, 36, 13.0, 11.0, 0.0, 34, 26, 2, False),
    ),
    (
        "1.27, leak-checking cycle",
        "gc 7 @5.001s 2% (checking for goroutine leaks): 0.018+1.2+0.003 ms clock, "
        "0.036+0.40/1.1/0+0.006 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P",
        (7, 5.001, 2, 0.40, 1.1, 0.0, 0, 4, 2, False),
    ),
    (
        "1.19 to 1.26, forced",
        "gc 12 @3.101s 25%: 0.018+1.2+0.003 ms clock, 0.14+0.40/1.1/2.5+0.024 ms cpu, "
        "4->4->0 MB, 4 MB goal, 1 MB stacks, 0 MB globals, 8 P (forced)",
        (12, 3.101, 25, 0.40, 1.1, 2.5, 0, 4, 8, True),
    ),
    (
        "before 1.18 (runtime/mgc.go of go1.17: no stacks and globals)",
        "gc 1 @0.012s 2%: 0.026+0.39+0.10 ms clock, 0.21+0.31/0.39/0.22+0.81 ms cpu, "
        "4->4->0 MB, 5 MB goal, 8 P",
        (1, 0.012, 2, 0.31, 0.39, 0.22, 0, 5, 8, False),
    ),
]


def _facts(c):
    return (
        c.number,
        c.at_seconds,
        c.cpu_percent,
        c.assist_ms,
        c.background_ms,
        c.idle_ms,
        c.heap_live_mb,
        c.heap_goal_mb,
        c.procs,
        c.forced,
    )


@pytest.mark.parametrize(("release", "line", "expected"), CASES)
def test_line(release, line, expected):
    cycle = parse_line(line)
    assert cycle is not None and _facts(cycle) == expected


def test_whole_and_inside_junk():
    lines = [line for _, line, _ in CASES]
    assert [_facts(c) for c in parse_lines(lines)] == [e for _, _, e in CASES]
    junk = [
        "2026/12/01 11:00:00 gc finished",
        "",
        "scvg: 0 MB released",
        "gc 1 @bad",
        "gc 5 @1.0s 3%: garbled",
    ]
    prefixed = [f"Dec 01 11:00:00 host app[42]: {line}" for line in lines]
    issues: list[ParseIssue] = []
    mixed = [junk[0], prefixed[0], junk[1], prefixed[1], junk[2], *prefixed[2:], *junk[3:]]
    assert [_facts(c) for c in parse_lines(mixed, issues)] == [e for _, _, e in CASES]
    assert [i.line for i in issues] == [len(mixed)]  # "gc 1 @bad" does not even start like one


def test_summary_window_and_rate():
    summary = GCSummary()
    for n in range(1, 11):
        line = (
            f"gc {n} @{n * 0.5:.3f}s 30%: 0.1+10+0.1 ms clock, 0.2+50/100/0+0.2 ms cpu, "
            f"8->9->{n} MB, 10 MB goal, 0 MB stacks, 0 MB globals, 2 P"
        )
        cycle = parse_line(line)
        assert cycle is not None
        summary.add(cycle)
    assert summary.per_second == pytest.approx(2.0)
    # 9 cycles after the first, 150.4 ms of CPU each, over 4.5 s on 2 Ps
    assert summary.window_cpu_percent == pytest.approx(100 * 9 * 150.4 / 9000)
    assert summary.heap_live.trend == "rising"


@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    parse_lines(text.splitlines(), [])


@given(st.lists(st.sampled_from([line for _, line, _ in CASES]), max_size=20), st.text(max_size=40))
def test_real_lines_with_arbitrary_tails(lines, tail):
    cycles = parse_lines([line + tail for line in lines])
    assert len(cycles) <= len(lines)
