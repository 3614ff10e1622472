"""``GODEBUG=schedtrace=N`` lines (and the ``scheddetail=1`` P, M and G lines) in, samples out.

The runtime prints (``runtime/proc.go`` ``schedtrace``), one summary a period::

    SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0 needspinning=0
        idlethreads=1 runqueue=3 [ 1 0 ] schedticks=[ 812 790 ]          (Go 1.27, one line)
    SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0 needspinning=0
        idlethreads=1 runqueue=3 [1 0]                                   (Go 1.21 to 1.24)
    SCHED 1004ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0 idlethreads=1
        runqueue=3 [1 0]                                                 (before Go 1.21)

With ``scheddetail=1`` the summary ends with ``gcwaiting=... sysmonwait=...`` instead of the
queue list and is followed by one line per P (``  P0: status=1 ... runqsize=2 ...``), per M and
per G (``  G17: status=4(IO wait) m=nil lockedm=nil``; before Go 1.23 ``m=-1``). A sample is
complete when the next summary starts or the input ends. Lines may carry a log prefix and sit
among other log lines; no I/O here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from gotriage.cpu.series import Series
from gotriage.model import ParseIssue

_SCHED = re.compile(r"(?:^|\s)SCHED (\d+)ms: (.*)$")
_FIELD = re.compile(r"(\w+)=(\d+)")
_QUEUES = re.compile(r"runqueue=\d+ \[([\d ]*)\]")
_P_LINE = re.compile(r"(?:^|\s)P(\d+): status=(\d+) .*?runqsize=(\d+)")
_G_LINE = re.compile(r"(?:^|\s)G(\d+): status=(\d+)\((.*)\) m=")
_M_LINE = re.compile(r"(?:^|\s)M(\d+): p=")
_REQUIRED = ("gomaxprocs", "idleprocs", "threads", "runqueue")
MAX_ISSUES = 1000

#: Goroutine status codes (runtime2.go), the scan bit removed.
G_STATUS = {
    0: "idle",
    1: "runnable",
    2: "running",
    3: "syscall",
    4: "waiting",
    5: "moribund",
    6: "dead",
    7: "enqueue",
    8: "copystack",
    9: "preempted",
    10: "leaked",
    11: "dead",
}
_SCAN_BIT = 0x1000


@dataclass(slots=True)
class SchedSample:
    ms: int
    gomaxprocs: int
    idleprocs: int
    threads: int
    spinningthreads: int
    idlethreads: int
    runqueue: int  # the global run queue
    local_runqueue: int = 0  # summed over the Ps
    needspinning: int | None = None
    detailed: bool = False
    statuses: Counter[str] = field(default_factory=Counter)  # scheddetail: goroutines per status

    @property
    def runnable(self) -> int:
        return self.runqueue + self.local_runqueue


def g_status(code: int, reason: str) -> str | None:
    """The name a G line's status is counted under; None for dead (pooled, not running) Gs."""
    name = G_STATUS.get(code & ~_SCAN_BIT, f"status {code}")
    if name == "dead":
        return None
    return f"{name} ({reason})" if reason and name == "waiting" else name


class SchedtraceParser:
    """Feed lines one at a time; ``feed`` returns a sample when the next one starts."""

    def __init__(self, issues: list[ParseIssue] | None = None) -> None:
        self.issues = issues if issues is not None else []
        self.lineno = 0
        self.lines = 0  # lines that were schedtrace's
        self._pending: SchedSample | None = None

    def _issue(self, message: str, line: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ParseIssue(self.lineno, message, line[:200]))

    def feed(self, line: str) -> SchedSample | None:
        self.lineno += 1
        if "SCHED " in line:
            match = _SCHED.search(line)
            if match:
                return self._summary(line, int(match.group(1)), match.group(2))
        pending = self._pending
        if pending is None or not pending.detailed or ": " not in line:
            return None
        g = _G_LINE.search(line)
        if g:
            name = g_status(int(g.group(2)), g.group(3))
            if name is not None:
                pending.statuses[name] += 1
            self.lines += 1
            return None
        p = _P_LINE.search(line)
        if p:
            pending.local_runqueue += int(p.group(3))
            self.lines += 1
        elif _M_LINE.search(line):
            self.lines += 1
        return None

    def _summary(self, line: str, ms: int, rest: str) -> SchedSample | None:
        fields = {k: int(v) for k, v in _FIELD.findall(rest)}
        done = self._pending
        self._pending = None
        missing = [k for k in _REQUIRED if k not in fields]
        if missing:
            self._issue(f"schedtrace line without {missing[0]}=", line)
            return done
        self.lines += 1
        sample = SchedSample(
            ms=ms,
            gomaxprocs=fields["gomaxprocs"],
            idleprocs=fields["idleprocs"],
            threads=fields["threads"],
            spinningthreads=fields.get("spinningthreads", 0),
            idlethreads=fields.get("idlethreads", 0),
            runqueue=fields["runqueue"],
            needspinning=fields.get("needspinning"),
            detailed="gcwaiting=" in rest,
        )
        queues = _QUEUES.search(rest)
        if queues:
            sample.local_runqueue = sum(int(n) for n in queues.group(1).split())
        self._pending = sample
        return done

    def close(self) -> SchedSample | None:
        done, self._pending = self._pending, None
        return done


def parse_lines(lines: list[str] | tuple[str, ...]) -> list[SchedSample]:
    """Every sample in ``lines`` (a convenience for tests and small inputs)."""
    parser = SchedtraceParser()
    out = [s for s in map(parser.feed, lines) if s is not None]
    last = parser.close()
    return [*out, last] if last is not None else out


MAX_STATUSES = 64


@dataclass(slots=True)
class SchedSummary:
    """schedtrace samples as series: what the report and the verdicts read."""

    samples: int = 0
    detailed: bool = False
    gomaxprocs: int = 0
    first_ms: int = 0
    last_ms: int = 0
    runnable: Series = field(default_factory=lambda: Series("runnable goroutines", "goroutines"))
    idleprocs: Series = field(default_factory=lambda: Series("idle Ps", "Ps"))
    threads: Series = field(default_factory=lambda: Series("threads", "threads"))
    spinning: Series = field(default_factory=lambda: Series("spinning threads", "threads"))
    statuses: dict[str, Series] = field(default_factory=dict)
    restarts: int = 0  # the clock went backwards: another process's trace, or a restart

    def add(self, sample: SchedSample) -> None:
        if self.samples and sample.ms < self.last_ms:
            self.restarts += 1
        if not self.samples:
            self.first_ms = sample.ms
        self.samples += 1
        self.last_ms = sample.ms
        self.gomaxprocs = sample.gomaxprocs
        t = sample.ms / 1000 + self.restarts * 1e9  # keep time increasing across restarts
        self.runnable.add(t, sample.runnable)
        self.idleprocs.add(t, sample.idleprocs)
        self.threads.add(t, sample.threads)
        self.spinning.add(t, sample.spinningthreads)
        if sample.detailed:
            self.detailed = True
            for name in set(self.statuses) | set(sample.statuses):
                series = self.statuses.get(name)
                if series is None:
                    if len(self.statuses) >= MAX_STATUSES:
                        continue
                    series = self.statuses[name] = Series(name, "goroutines")
                series.add(t, sample.statuses.get(name, 0))

    def growing_statuses(self, at_least: float) -> list[Series]:
        """Goroutine statuses whose count keeps growing: leak evidence."""
        return sorted(
            (s for s in self.statuses.values() if s.trend == "rising" and s.change >= at_least),
            key=lambda s: -s.change,
        )
