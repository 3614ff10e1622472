"""Fold a stream of goroutines into groups with the same blocking site and stack shape.

Memory grows with the number of distinct groups, not with the input: a group keeps one
representative stack, counters, a few example ids, and the creator ids it needs to find orphans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from gotriage.goroutines.classify import ACCEPT_LOOP, Blocking, classify, is_std
from gotriage.knowledge.wait_reasons import Kind
from gotriage.model import Frame, Goroutine

EXAMPLE_IDS = 5
TEST_RUNNER = "testing.tRunner"


@dataclass
class Group:
    """Goroutines that block the same way at the same place, reached the same way."""

    kind: Kind
    site: Frame | None
    frames: tuple[Frame, ...]
    created_by: Frame | None
    http_phase: str | None
    state: str
    count: int = 0
    leaked: int = 0
    wait_min: int | None = None
    wait_max: int | None = None
    ids: list[int] = field(default_factory=list)
    creators: Counter[int] = field(default_factory=Counter)
    labels: set[tuple[str, str]] = field(default_factory=set)
    # For connection goroutines: the accept loop (goroutine id) that created them.
    server: int | None = None

    @property
    def location(self) -> str:
        if self.site is not None:
            return self.site.location
        if self.http_phase is not None:
            # No frame of the user's: name the role rather than a runtime file.
            return f"net/http connection ({self.http_phase})"
        # Never a runtime file (runtime/netpoll.go:351 says nothing): the function the
        # goroutine was started with names what it is doing, the same in every format.
        entry = self.entry
        if entry is not None:
            return entry.function
        return "(no stack)"

    @property
    def entry(self) -> Frame | None:
        """The function the goroutine was started with: its bottom frame below the runtime's."""
        for frame in reversed(self.frames):
            if not frame.function.startswith(("runtime.main", "runtime.goexit")):
                return frame
        return None

    def add(self, goroutine: Goroutine) -> None:
        self.count += goroutine.count
        if goroutine.leaked:
            self.leaked += goroutine.count
        if goroutine.wait_minutes is not None:
            self._widen(goroutine.wait_minutes)
        elif goroutine.id is not None:
            self._widen(0)  # tracebacks print no duration under one minute
        if goroutine.id is not None and len(self.ids) < EXAMPLE_IDS:
            self.ids.append(goroutine.id)
        if goroutine.creator_id is not None:
            self.creators[goroutine.creator_id] += goroutine.count
        if goroutine.labels:
            self.labels.update(goroutine.labels)

    def absorb(self, other: Group) -> None:
        """Add another group's goroutines to this one (a view over groups scored together)."""
        self.count += other.count
        self.leaked += other.leaked
        self.creators.update(other.creators)
        self.labels.update(other.labels)
        self.ids.extend(other.ids[: max(0, EXAMPLE_IDS - len(self.ids))])
        for minutes in (other.wait_min, other.wait_max):
            if minutes is not None:
                self._widen(minutes)

    def _widen(self, minutes: int) -> None:
        self.wait_min = minutes if self.wait_min is None else min(self.wait_min, minutes)
        self.wait_max = minutes if self.wait_max is None else max(self.wait_max, minutes)


@dataclass(frozen=True, slots=True)
class Server:
    """An HTTP accept loop seen in the dump, and where the user's code started it."""

    goroutine: int | None
    start_site: Frame | None
    package_level: bool


@dataclass
class Grouping:
    """Everything the streaming pass keeps: the groups and what orphan detection needs."""

    groups: dict[tuple[object, ...], Group] = field(default_factory=dict)
    goroutine_ids: set[int] = field(default_factory=set)
    servers: list[Server] = field(default_factory=list)
    # Goroutines running a test (a test function under testing.tRunner) and those they started,
    # directly or not: a test binary's timeout dump blames them.
    test_ids: set[int] = field(default_factory=set)
    total: int = 0
    has_ids: bool = False
    has_creators: bool = False
    has_wait_reasons: bool = False

    def server_of(self, group: Group) -> Server | None:
        if group.server is not None:
            for server in self.servers:
                if server.goroutine == group.server:
                    return server
            return None
        # Without creator ids (debug=1, protobuf) a connection can be tied to its server only
        # when the dump holds a single accept loop.
        return self.servers[0] if len(self.servers) == 1 else None


def runs_a_test(frames: tuple[Frame, ...]) -> bool:
    """A test function called by testing.tRunner (the main goroutine runs tRunner too, for
    the testing package's own runTests)."""
    for below, frame in enumerate(frames):
        if frame.function == TEST_RUNNER:
            return below > 0 and not is_std(frames[below - 1].function)
    return False


def _shape(frames: tuple[Frame, ...]) -> tuple[str, ...]:
    return tuple(frame.function for frame in frames)


def add_goroutine(grouping: Grouping, goroutine: Goroutine) -> None:
    blocking: Blocking = classify(goroutine)
    grouping.total += goroutine.count
    if goroutine.id is not None:
        grouping.goroutine_ids.add(goroutine.id)
        grouping.has_ids = True
    if goroutine.creator_id is not None:
        grouping.has_creators = True
    if goroutine.state:
        grouping.has_wait_reasons = True
    if goroutine.id is not None and (
        runs_a_test(goroutine.frames) or goroutine.creator_id in grouping.test_ids
    ):
        # Dumps list goroutines in creation order, so a parent comes before its children.
        grouping.test_ids.add(goroutine.id)
    if blocking.http_phase == ACCEPT_LOOP:
        start = blocking.site or goroutine.created_by
        # A debug=1 record may stand for several identical accept loops: each is a server.
        server_of_record = Server(goroutine.id, start, blocking.serve_is_package_level)
        grouping.servers.extend([server_of_record] * min(goroutine.count, 64))
    server = goroutine.creator_id if blocking.http_phase not in (None, ACCEPT_LOOP) else None
    created = goroutine.created_by
    key = (
        blocking.kind,
        blocking.site.location if blocking.site else None,
        _shape(goroutine.frames),
        created.location if created else None,
        blocking.http_phase,
        server,
    )
    group = grouping.groups.get(key)
    if group is None:
        group = Group(
            kind=blocking.kind,
            site=blocking.site,
            frames=goroutine.frames,
            created_by=created,
            http_phase=blocking.http_phase,
            state=goroutine.state,
            server=server,
        )
        grouping.groups[key] = group
    group.add(goroutine)


def group_goroutines(goroutines: Iterable[Goroutine]) -> Grouping:
    grouping = Grouping()
    for goroutine in goroutines:
        add_goroutine(grouping, goroutine)
    return grouping
