"""``GODEBUG=gctrace=1`` lines in, GC cycles out; no I/O.

The runtime prints one line per collection (``runtime/mgc.go`` ``gcMarkTermination``)::

    gc 12 @3.101s 25%: 0.018+1.2+0.003 ms clock, 0.036+0.40/1.1/0+0.006 ms cpu,
        4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P               (Go 1.18 to 1.27)
    gc 12 @3.101s 25%: ... ms cpu, 4->4->0 MB, 4 MB goal, 2 P               (before Go 1.18)

``25%`` is the share of CPU spent in GC since the program started; the clock times are the
sweep termination, concurrent mark and mark termination phases; the CPU times are the
stop-the-world phases, assists, background and idle marking. Go 1.27 adds
``(checking for goroutine leaks)`` after the percentage for a leak-detecting cycle, and every
release ``(forced)`` at the end of a cycle forced by ``runtime.GC``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gotriage.cpu.series import Series
from gotriage.model import ParseIssue

_NUM = r"(\d+(?:\.\d*)?)"
_GC = re.compile(
    r"(?:^|\s)gc (\d+) @" + _NUM + r"s (\d+)%(?: \([^)]*\))?: "
    rf"{_NUM}\+{_NUM}\+{_NUM} ms clock, "
    rf"{_NUM}\+{_NUM}/{_NUM}/{_NUM}\+{_NUM} ms cpu, "
    r"(\d+)->(\d+)->(\d+) MB, (\d+) MB goal, "
    r"(?:(\d+) MB stacks, (\d+) MB globals, )?"
    r"(\d+) P( \(forced\))?"
)
_START = re.compile(r"(?:^|\s)gc \d+ @\d")
MAX_ISSUES = 1000


@dataclass(frozen=True, slots=True)
class GCCycle:
    number: int
    at_seconds: float
    cpu_percent: int  # since the program started
    clock_ms: tuple[float, float, float]
    assist_ms: float
    background_ms: float
    idle_ms: float
    stw_ms: float
    heap_start_mb: int
    heap_end_mb: int
    heap_live_mb: int
    heap_goal_mb: int
    procs: int
    forced: bool = False

    @property
    def cpu_ms(self) -> float:
        return self.assist_ms + self.background_ms + self.idle_ms + self.stw_ms


def parse_line(line: str) -> GCCycle | None:
    """The cycle a gctrace line reports, or None for any other line."""
    if "gc " not in line:
        return None
    m = _GC.search(line)
    if m is None:
        return None
    g = m.groups()
    return GCCycle(
        number=int(g[0]),
        at_seconds=float(g[1]),
        cpu_percent=int(g[2]),
        clock_ms=(float(g[3]), float(g[4]), float(g[5])),
        stw_ms=float(g[6]) + float(g[10]),
        assist_ms=float(g[7]),
        background_ms=float(g[8]),
        idle_ms=float(g[9]),
        heap_start_mb=int(g[11]),
        heap_end_mb=int(g[12]),
        heap_live_mb=int(g[13]),
        heap_goal_mb=int(g[14]),
        procs=int(g[17]),
        forced=g[18] is not None,
    )


def looks_like_gctrace(line: str) -> bool:
    """A line that starts like a gctrace line (for reporting the ones that fail to parse)."""
    return "gc " in line and _START.search(line) is not None


@dataclass(slots=True)
class GCSummary:
    cycles: int = 0
    forced: int = 0
    first_seconds: float = 0.0
    last_seconds: float = 0.0
    procs: int = 0
    cpu_ms: float = 0.0
    assist_ms: float = 0.0
    cpu_percent: Series = field(default_factory=lambda: Series("GC CPU since start", "%"))
    heap_live: Series = field(default_factory=lambda: Series("heap live", "MB"))
    heap_goal: Series = field(default_factory=lambda: Series("heap goal", "MB"))
    restarts: int = 0

    def add(self, cycle: GCCycle) -> None:
        if self.cycles and cycle.at_seconds < self.last_seconds:
            self.restarts += 1
        if not self.cycles:
            self.first_seconds = cycle.at_seconds
        self.cycles += 1
        self.forced += cycle.forced
        self.last_seconds = cycle.at_seconds
        self.procs = cycle.procs
        if self.cycles > 1:  # the first cycle's CPU falls before the window starts
            self.cpu_ms += cycle.cpu_ms
            self.assist_ms += cycle.assist_ms
        t = cycle.at_seconds + self.restarts * 1e9
        self.cpu_percent.add(t, cycle.cpu_percent)
        self.heap_live.add(t, cycle.heap_live_mb)
        self.heap_goal.add(t, cycle.heap_goal_mb)

    @property
    def span_seconds(self) -> float:
        return self.cpu_percent.span_seconds

    @property
    def per_second(self) -> float | None:
        span = self.span_seconds
        return (self.cycles - 1) / span if self.cycles > 1 and span > 0 else None

    @property
    def window_cpu_percent(self) -> float | None:
        """GC's share of the CPU between the first and last cycle (all Ps counted)."""
        span = self.span_seconds
        if self.cycles < 2 or span <= 0 or not self.procs:
            return None
        return 100.0 * self.cpu_ms / (span * 1000.0 * self.procs)

    @property
    def latest_cpu_percent(self) -> int | None:
        last = self.cpu_percent.last
        return int(last) if last is not None else None


def parse_lines(
    lines: list[str] | tuple[str, ...], issues: list[ParseIssue] | None = None
) -> list[GCCycle]:
    """Every cycle in ``lines``; lines that start like gctrace but do not parse become issues."""
    out = []
    for number, line in enumerate(lines, 1):
        cycle = parse_line(line)
        if cycle is not None:
            out.append(cycle)
        elif issues is not None and looks_like_gctrace(line) and len(issues) < MAX_ISSUES:
            issues.append(ParseIssue(number, "gctrace line not understood", line[:200]))
    return out
