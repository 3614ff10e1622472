"""Compare two snapshots: which groups grew. Growth over time is the strongest leak evidence.

Two snapshots are compared only on what both formats carry: a debug=1 profile has no wait
reasons and no creators, so against one a debug=2 dump is compared by blocking site and
net/http phase alone (its kinds came from frames or the source, not from the runtime). Growth
that only a difference in precision would show is never reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gotriage.goroutines.group import Group, Grouping

Key = tuple[object, ...]

SITE = "blocking site"
PHASE = "net/http phase"
KIND = "how it blocks"
CREATOR = "creator"


@dataclass(frozen=True, slots=True)
class Growth:
    group: Group  # from the newer snapshot
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass
class Comparison:
    """Counts per comparable key in both snapshots, and how the newer groups map onto them."""

    growth: list[Growth] = field(default_factory=list)
    counts: dict[Key, tuple[int, int]] = field(default_factory=dict)  # key -> (before, after)
    keys: dict[int, Key] = field(default_factory=dict)  # id(group in the newer) -> key
    compared_by: tuple[str, ...] = (SITE, PHASE, KIND, CREATOR)
    minutes: float | None = None  # time between the two snapshots, when known

    def counts_of(self, groups: Iterable[Group]) -> tuple[int, int]:
        """(before, after) for the keys a set of newer groups fall under, each key once."""
        keys = {self.keys[id(g)] for g in groups if id(g) in self.keys}
        before = sum(self.counts[key][0] for key in keys)
        after = sum(self.counts[key][1] for key in keys)
        return before, after


def shared_precision(before: Grouping, after: Grouping, same_format: bool) -> tuple[str, ...]:
    """What both snapshots carry, so that comparing them shows only real growth."""
    fields = [SITE, PHASE]
    if same_format and before.has_wait_reasons == after.has_wait_reasons:
        fields.append(KIND)
    if before.has_creators and after.has_creators:
        fields.append(CREATOR)
    return tuple(fields)


def _key(group: Group, compared_by: tuple[str, ...]) -> Key:
    # Line numbers move between builds less often than goroutine ids; stacks are compared by
    # blocking site, how they block and where they were created.
    created = group.created_by.function if group.created_by else None
    return (
        group.location,
        group.http_phase,
        group.kind if KIND in compared_by else None,
        created if CREATOR in compared_by else None,
    )


def compare(
    before: Grouping,
    after: Grouping,
    *,
    same_format: bool = True,
    minutes: float | None = None,
    min_delta: int = 1,
) -> Comparison:
    """Counts of both snapshots at their shared precision; the groups that grew, largest first."""
    compared_by = shared_precision(before, after, same_format)
    comparison = Comparison(compared_by=compared_by, minutes=minutes)
    old: dict[Key, int] = {}
    for group in before.groups.values():
        key = _key(group, compared_by)
        old[key] = old.get(key, 0) + group.count
    first: dict[Key, Group] = {}
    new: dict[Key, int] = {}
    for group in after.groups.values():
        key = _key(group, compared_by)
        comparison.keys[id(group)] = key
        first.setdefault(key, group)
        new[key] = new.get(key, 0) + group.count
    for key, count in new.items():
        previous = old.get(key, 0)
        comparison.counts[key] = (previous, count)
        if count - previous >= min_delta:
            comparison.growth.append(Growth(first[key], previous, count))
    comparison.growth.sort(key=lambda g: (-g.delta, -g.after))
    return comparison


def growth(before: Grouping, after: Grouping, min_delta: int = 1) -> list[Growth]:
    """Groups with more goroutines in ``after`` than in ``before``, largest growth first."""
    return compare(before, after, min_delta=min_delta).growth
