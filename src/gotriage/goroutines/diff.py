"""Compare two snapshots: which groups grew. Growth over time is the strongest leak evidence."""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.goroutines.group import Group, Grouping


@dataclass(frozen=True, slots=True)
class Growth:
    group: Group  # from the newer snapshot
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


def _key(group: Group) -> tuple[object, ...]:
    # Line numbers move between builds less often than goroutine ids; stacks are compared by
    # blocking site, how they block and where they were created.
    created = group.created_by.function if group.created_by else None
    return (group.kind, group.location, created, group.http_phase)


def _totals(grouping: Grouping) -> dict[tuple[object, ...], tuple[int, Group]]:
    totals: dict[tuple[object, ...], tuple[int, Group]] = {}
    for group in grouping.groups.values():
        key = _key(group)
        count, first = totals.get(key, (0, group))
        totals[key] = (count + group.count, first)
    return totals


def growth(before: Grouping, after: Grouping, min_delta: int = 1) -> list[Growth]:
    """Groups with more goroutines in ``after`` than in ``before``, largest growth first."""
    old = _totals(before)
    grown = []
    for key, (count, group) in _totals(after).items():
        previous = old.get(key, (0, None))[0]
        if count - previous >= min_delta:
            grown.append(Growth(group, previous, count))
    grown.sort(key=lambda g: (-g.delta, -g.after))
    return grown
