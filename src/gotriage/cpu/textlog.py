"""A service's standard error read for its schedtrace and gctrace lines, among any others.

Lines in, a :class:`TextLog` out; memory stays flat however long the log (the series are
bounded, see :mod:`gotriage.cpu.series`). Lines that are neither are skipped; lines that start
like a trace line but cannot be read become issues with their line number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gotriage.cpu import gctrace
from gotriage.cpu.schedtrace import SchedSummary, SchedtraceParser
from gotriage.model import ParseIssue


@dataclass(slots=True)
class TextLog:
    source: str = ""
    lines: int = 0
    sched_lines: int = 0
    gc_lines: int = 0
    sched: SchedSummary = field(default_factory=SchedSummary)
    gc: gctrace.GCSummary = field(default_factory=gctrace.GCSummary)
    issues: list[ParseIssue] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.sched.samples and not self.gc.cycles


def read_log(lines: Iterable[str], *, source: str = "") -> TextLog:
    """Every schedtrace sample and gctrace cycle in ``lines``."""
    log = TextLog(source=source)
    parser = SchedtraceParser(log.issues)
    feed = parser.feed
    add_sample = log.sched.add
    add_cycle = log.gc.add
    parse_gc = gctrace.parse_line
    number = 0
    for number, line in enumerate(lines, 1):
        if "gc " in line:
            cycle = parse_gc(line)
            if cycle is not None:
                add_cycle(cycle)
                log.gc_lines += 1
                parser.lineno += 1
                continue
            if gctrace.looks_like_gctrace(line) and len(log.issues) < gctrace.MAX_ISSUES:
                log.issues.append(ParseIssue(number, "gctrace line not understood", line[:200]))
        sample = feed(line)
        if sample is not None:
            add_sample(sample)
    last = parser.close()
    if last is not None:
        add_sample(last)
    log.lines = number
    log.sched_lines = parser.lines
    return log
