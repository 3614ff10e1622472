"""The goroutine analysis pipeline: goroutines in, an :class:`Analysis` out. No I/O.

Callers hand in an iterable of goroutines (streamed from any parser), optionally the ids the
runtime's leak profile reported, a function that names a site's kind from its source line, and
one that says what the source shows at a blocking site. :func:`compare_with` then weighs an
earlier snapshot's counts in: growth is evidence.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from gotriage.goroutines.diff import Comparison, Growth, compare
from gotriage.goroutines.group import Group, Grouping, group_goroutines
from gotriage.goroutines.suspects import Assessment, Evidence, Settings, Suspect, assess
from gotriage.knowledge.wait_reasons import Kind
from gotriage.model import Frame, Goroutine, ParseReport

TEST_TIMEOUT = "panic: test timed out after"


@dataclass
class Analysis:
    source: str
    report: ParseReport
    grouping: Grouping
    assessment: Assessment
    settings: Settings
    leak_profile: str = "not available for this input"
    growth: list[Growth] | None = None
    base_source: str | None = None
    config: str | None = None  # the settings file the thresholds came from
    notes: list[str] = field(default_factory=list)
    comparison: Comparison | None = None
    captured_at: float | None = None  # seconds since the epoch, when known
    static_evidence: Callable[[Group], list[Evidence]] | None = None

    @property
    def test_timeout(self) -> str | None:
        """The panic line of a test binary that ran out of time, if this is its dump."""
        for line in self.report.context:
            if line.strip().startswith(TEST_TIMEOUT):
                return line.strip()
        return None

    @property
    def running_tests(self) -> tuple[str, ...]:
        """The tests a timed-out test binary was running (``running tests:`` lines)."""
        names: list[str] = []
        listing = False
        for line in self.report.context:
            text = line.strip()
            if text == "running tests:":
                listing = True
            elif listing and text:
                names.append(text.split(" ", 1)[0])
        return tuple(names)

    def reassess(self) -> None:
        deadlocked = any("all goroutines are asleep" in line for line in self.report.context)
        self.assessment = assess(
            self.grouping,
            self.settings,
            deadlocked=deadlocked,
            comparison=self.comparison,
            test_timeout=self.test_timeout,
            running_tests=self.running_tests,
            static_evidence=self.static_evidence,
        )

    @property
    def suspects(self) -> list[Suspect]:
        return self.assessment.suspects

    def by_design(self, group: Group) -> str | None:
        return self.assessment.by_design.get(id(group))

    def groups_worst_first(self) -> list[Group]:
        rank = {id(g): (i, s) for i, s in enumerate(self.suspects) for g in s.groups}
        return sorted(
            self.grouping.groups.values(),
            key=lambda g: (
                rank.get(id(g), (len(rank), None))[0],
                self.by_design(g) is not None,
                -g.count,
                -(g.wait_max or 0),
            ),
        )

    def kinds(self) -> Counter[Kind]:
        counts: Counter[Kind] = Counter()
        for group in self.grouping.groups.values():
            counts[group.kind] += group.count
        return counts


def mark_leaked(goroutines: Iterable[Goroutine], leaked_ids: frozenset[int]) -> Iterator[Goroutine]:
    """Carry the leak profile's verdict over to the same goroutines in a debug=2 dump."""
    for goroutine in goroutines:
        if not goroutine.leaked and goroutine.id is not None and goroutine.id in leaked_ids:
            goroutine = dataclasses.replace(goroutine, leaked=True)
        yield goroutine


def analyse(
    goroutines: Iterable[Goroutine],
    report: ParseReport,
    *,
    source: str = "",
    settings: Settings | None = None,
    leaked_ids: frozenset[int] = frozenset(),
    kind_hint: Callable[[Frame], Kind] | None = None,
    static_evidence: Callable[[Group], list[Evidence]] | None = None,
) -> Analysis:
    settings = settings or Settings()
    if leaked_ids:
        goroutines = mark_leaked(goroutines, leaked_ids)
    grouping = group_goroutines(goroutines)
    if kind_hint is not None and not grouping.has_wait_reasons:
        for group in grouping.groups.values():
            if group.kind is Kind.UNKNOWN and group.site is not None:
                group.kind = kind_hint(group.site)
    analysis = Analysis(source, report, grouping, Assessment(), settings)
    analysis.static_evidence = static_evidence
    analysis.reassess()
    return analysis


def compare_with(analysis: Analysis, base: Analysis, minutes: float | None = None) -> None:
    """Weigh an earlier snapshot of the same process in: groups that grew gain evidence.

    Only what both formats carry is compared; a note says so when that is less than all.
    """
    same_format = base.report.format == analysis.report.format
    comparison = compare(base.grouping, analysis.grouping, same_format=same_format, minutes=minutes)
    analysis.comparison = comparison
    analysis.growth = comparison.growth
    analysis.base_source = base.source
    if len(comparison.compared_by) < 4:
        formats = f"{_format(base)} against {_format(analysis)}"
        analysis.notes.append(
            f"growth compared by {' and '.join(comparison.compared_by)} only, what both "
            f"snapshots carry ({formats})"
        )
    analysis.reassess()


def _format(analysis: Analysis) -> str:
    return analysis.report.format.value if analysis.report.format else "unknown format"
