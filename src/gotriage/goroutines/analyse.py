"""The goroutine analysis pipeline: goroutines in, an :class:`Analysis` out. No I/O.

Callers hand in an iterable of goroutines (streamed from any parser), optionally the ids the
runtime's leak profile reported, and a function that names a site's kind from its source line.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from gotriage.goroutines.diff import Growth
from gotriage.goroutines.group import Group, Grouping, group_goroutines
from gotriage.goroutines.suspects import Assessment, Settings, Suspect, assess
from gotriage.knowledge.wait_reasons import Kind
from gotriage.model import Frame, Goroutine, ParseReport


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
) -> Analysis:
    settings = settings or Settings()
    if leaked_ids:
        goroutines = mark_leaked(goroutines, leaked_ids)
    grouping = group_goroutines(goroutines)
    deadlocked = any("all goroutines are asleep" in line for line in report.context)
    assessment = assess(
        grouping,
        settings,
        kind_hint if not grouping.has_wait_reasons else None,
        deadlocked=deadlocked,
    )
    return Analysis(source, report, grouping, assessment, settings)
