"""Leak scoring: which groups are leak suspects, how sure, and on what evidence.

Each piece of evidence has a weight. The runtime's own ``(leaked)`` verdict and operations that
can never wake (nil channels, empty selects) are proof on their own; many goroutines at one
send or lock (the LeakProf signal), an exited creator (an orphan), and long waits are each
medium evidence, and two of them together are strong. Growth between two snapshots, a crowd of
connections still reading their request (slow clients), a test binary's timeout and a static
finding of the audit's goroutine-leak rules at the blocking site are evidence too. Groups blocked
by design (runtime workers, signal handling, accept loops, pprof, main parked on ``select {}``,
per-connection writers next to their readers, user ignore patterns) are set aside unless the
runtime itself says they leaked. What a format cannot say never counts against a goroutine: a
group of unknown kind weighs no more than the weakest kind it could be.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from gotriage.goroutines.classify import (
    ACCEPT_LOOP,
    PHASE_IDLE,
    PHASE_READING,
    WAITS_ON_CLIENT,
    is_std,
)
from gotriage.goroutines.diff import Comparison
from gotriage.goroutines.group import Group, Grouping, runs_a_test
from gotriage.knowledge.by_design import BY_DESIGN, MAIN_PARKED, PAIRED_WRITER
from gotriage.knowledge.patterns import PATTERN_BY_KIND, Pattern, pattern_for
from gotriage.knowledge.wait_reasons import CAN_BLOCK_FOREVER, CROWD_IS_EVIDENCE, NEVER_WAKES, Kind
from gotriage.model import Confidence, Frame
from gotriage.units import format_duration


@dataclass(frozen=True, slots=True)
class Settings:
    min_count: int = 10
    long_wait_minutes: int = 10
    ignore: tuple[str, ...] = ()
    min_confidence: Confidence = Confidence.MEDIUM
    # Growth between two snapshots that counts as evidence: at least this many more goroutines,
    # and at least this many more per minute when the time between the snapshots is known.
    growth_min: int = 3
    growth_per_minute: float = 1.0
    # Connections of one server reading a request at once that make slow clients evidence: a
    # busy healthy server has a few (browsers open connections ahead of need), not dozens.
    slow_clients: int = 50


@dataclass(frozen=True, slots=True)
class Evidence:
    code: str
    weight: Confidence
    text: str
    rule: str | None = None  # the audit rule behind a static finding


@dataclass
class Suspect:
    group: Group
    confidence: Confidence
    evidence: list[Evidence]
    pattern_name: str
    pattern: Pattern
    # Where to look: the blocking site, or for connection goroutines where the server started.
    location: Frame | None
    # The groups this suspect stands for; ``group`` is their sum.
    groups: list[Group] = field(default_factory=list)


@dataclass
class Assessment:
    suspects: list[Suspect] = field(default_factory=list)
    by_design: dict[int, str] = field(default_factory=dict)  # id(group) -> reason


_NOT_WAITING = frozenset({Kind.RUNNING, Kind.RUNNABLE, Kind.RUNTIME})


def _matches(function: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern.endswith("*"):
            if function.startswith(pattern[:-1]):
                return True
        elif function == pattern:
            return True
    return False


def waiting_frames(group: Group) -> list[Frame]:
    """Where and how a group waits: its frames down to the first of the user's code."""
    frames: list[Frame] = []
    for frame in group.frames:
        frames.append(frame)
        if not is_std(frame.function):
            break
    return frames


def _main_parked(group: Group) -> bool:
    entry = group.entry
    return (
        group.kind is Kind.SELECT_NO_CASES
        and group.count == 1
        and entry is not None
        and entry.function == "main.main"
        and group.created_by is None
    )


def by_design_reason(group: Group, ignore: tuple[str, ...] = ()) -> str | None:
    """Why a group is blocked on purpose, or None."""
    if ignore:
        functions = [frame.function for frame in group.frames]
        if group.created_by is not None:
            functions.append(group.created_by.function)
        places = [f"{frame.file}:{frame.line}" for frame in group.frames if frame.file]
        for pattern in ignore:
            if any(fnmatch.fnmatchcase(name, pattern) for name in functions + places):
                return f"ignored by pattern {pattern!r}"
    waiting = [frame.function for frame in waiting_frames(group)]
    for reason, patterns in BY_DESIGN:
        if any(_matches(function, patterns) for function in waiting):
            return reason
    if group.http_phase == ACCEPT_LOOP:
        return "HTTP server accept loop"
    if _main_parked(group):
        return MAIN_PARKED
    return None


def _owner_type(function: str) -> str:
    """``pkg.(*client)`` for a method or its closures, else the package: what a reader and a
    writer of one connection have in common."""
    cut = function.rfind(").")
    if cut > 0 and "(" in function[:cut]:
        return function[: cut + 1]
    slash = function.rfind("/")
    return function[: function.find(".", slash + 1)]


def paired_writers(grouping: Grouping) -> dict[int, str]:
    """Cond waiters that are per-connection writers: as many as the readers of the same type
    (and, when the dump says, of the same creators) waiting in network I/O."""
    readers: dict[tuple[str | None, str], list[Group]] = {}
    for group in grouping.groups.values():
        entry = group.entry
        if group.kind is Kind.NETWORK_IO and entry is not None and not is_std(entry.function):
            creator = group.created_by.function if group.created_by else None
            readers.setdefault((creator, _owner_type(entry.function)), []).append(group)
    found: dict[int, str] = {}
    for group in grouping.groups.values():
        entry = group.entry
        if group.kind is not Kind.COND or entry is None:
            continue
        creator = group.created_by.function if group.created_by else None
        partners = readers.get((creator, _owner_type(entry.function)), [])
        count = sum(partner.count for partner in partners)
        creators: Counter[int] = Counter()
        for partner in partners:
            creators.update(partner.creators)
        if partners and count == group.count and creators == group.creators:
            found[id(group)] = PAIRED_WRITER.format(n=count)
    return found


def _strength(evidence: list[Evidence]) -> Confidence | None:
    if not evidence:
        return None
    if any(e.weight is Confidence.HIGH for e in evidence):
        return Confidence.HIGH
    mediums = sum(e.weight is Confidence.MEDIUM for e in evidence)
    if mediums >= 2:
        return Confidence.HIGH
    return Confidence.MEDIUM if mediums else Confidence.LOW


def _minutes(n: int) -> str:
    return f"{n} minute{'s' if n != 1 else ''}"


def _blocking_evidence(
    group: Group, grouping: Grouping, at_site: int, settings: Settings
) -> list[Evidence]:
    evidence: list[Evidence] = []
    kind = group.kind
    if kind in NEVER_WAKES:
        evidence.append(
            Evidence("never-wakes", Confidence.HIGH, f"a {kind.value} can never be woken")
        )
    if at_site >= settings.min_count:
        # An unknown kind (debug=1 without the source) could be a receiver or a select, how
        # healthy pools wait: it weighs no more than those.
        weight = Confidence.MEDIUM if kind in CROWD_IS_EVIDENCE else Confidence.LOW
        evidence.append(
            Evidence(
                "crowd",
                weight,
                f"{at_site} goroutines blocked at this one site (threshold {settings.min_count})",
            )
        )
    if grouping.has_ids and group.creators:
        orphans = sum(n for gid, n in group.creators.items() if gid not in grouping.goroutine_ids)
        if orphans:
            weight = Confidence.MEDIUM if kind in CAN_BLOCK_FOREVER else Confidence.LOW
            if kind is Kind.SELECT:
                weight = Confidence.LOW
            evidence.append(
                Evidence(
                    "orphaned",
                    weight,
                    f"{orphans} of {group.count} were started by a goroutine that has since "
                    "exited, so nothing that started them is waiting for them",
                )
            )
    if group.wait_max is not None and group.wait_max >= settings.long_wait_minutes:
        # Receivers and selects also wait that long when a worker pool or a background loop
        # simply has nothing to do: on its own, a long wait there is weak.
        weight = Confidence.MEDIUM if kind in CROWD_IS_EVIDENCE else Confidence.LOW
        evidence.append(
            Evidence(
                "long-wait",
                weight,
                f"blocked for up to {_minutes(group.wait_max)} "
                f"(threshold {settings.long_wait_minutes})",
            )
        )
    return evidence


def _owner(group: Group, grouping: Grouping) -> str:
    """Which server's accept loop owns a group of connections, as far as the dump tells."""
    server = grouping.server_of(group)
    if server is not None:
        where = f" started at {server.start_site.location}" if server.start_site else ""
        which = f" (goroutine {server.goroutine})" if server.goroutine is not None else ""
        return f"they belong to the accept loop of the server{where}{which}"
    if len(grouping.servers) > 1:
        return (
            f"this format cannot tell which of the {len(grouping.servers)} servers' accept loops "
            "owns them (debug=2 can)"
        )
    return "no accept loop is in the dump"


def _connection_evidence(
    group: Group, members: list[Group], grouping: Grouping, settings: Settings
) -> list[Evidence]:
    evidence: list[Evidence] = []
    server = grouping.server_of(group)
    reading = sum(m.count for m in members if m.http_phase == PHASE_READING)
    if reading >= settings.slow_clients:
        evidence.append(
            Evidence(
                "slow-clients",
                Confidence.MEDIUM,
                f"{reading} connections are reading a request at once (threshold "
                f"{settings.slow_clients}): clients that send their request slowly or not at all "
                "hold them, and only ReadHeaderTimeout or ReadTimeout ends that wait; "
                + _owner(group, grouping),
            )
        )
    if server is not None and server.package_level:
        evidence.append(
            Evidence(
                "server-without-timeouts",
                Confidence.HIGH,
                f"connection goroutines ({group.http_phase}) on a server started with a "
                "package-level net/http helper (http.Serve, http.ListenAndServe or their TLS "
                "variants), which has no timeouts at all",
            )
        )
    if group.wait_max is not None and group.wait_max >= settings.long_wait_minutes:
        evidence.append(
            Evidence(
                "long-wait",
                Confidence.MEDIUM,
                f"connection {group.http_phase} for up to {_minutes(group.wait_max)}: the "
                "server's read, idle or write timeout is missing or longer than that",
            )
        )
    return evidence


def _client_evidence(group: Group, settings: Settings) -> list[Evidence]:
    functions = {frame.function for frame in group.frames}
    outbound = "net/http.(*persistConn).roundTrip" in functions or any(
        f.startswith("net/http.(*Client).") for f in functions
    )
    if outbound and group.wait_max is not None and group.wait_max >= settings.long_wait_minutes:
        return [
            Evidence(
                "long-wait",
                Confidence.MEDIUM,
                f"outbound HTTP call waiting for {_minutes(group.wait_max)}",
            )
        ]
    return []


def _growth_evidence(
    members: list[Group], kind: Kind, comparison: Comparison, settings: Settings
) -> list[Evidence]:
    before, after = comparison.counts_of(members)
    delta = after - before
    # Receivers and selects (watch streams, per-connection loops) and goroutines woken from
    # outside (network, timers) also grow with load in a healthy service: only a larger growth,
    # a crowd's worth, speaks for them, and less strongly. Idle keep-alive connections grow
    # with clients.
    blocks_forever = kind in CROWD_IS_EVIDENCE or kind in NEVER_WAKES
    needed = settings.growth_min if blocks_forever else max(settings.growth_min, settings.min_count)
    if delta < needed or all(m.http_phase == PHASE_IDLE for m in members):
        return []
    minutes = comparison.minutes
    if minutes is not None and minutes > 0:
        rate = delta / minutes
        if rate < settings.growth_per_minute:
            return []
        pace = (
            f" {format_duration(minutes * 60)} apart ({_per_minute(rate)} per minute; "
            f"thresholds +{needed} and {settings.growth_per_minute:g} per minute)"
        )
    else:
        pace = f" (threshold +{needed}; the time between the snapshots is unknown)"
    weight = Confidence.HIGH if blocks_forever else Confidence.MEDIUM
    forever = ", at a site that can block forever" if blocks_forever else ""
    return [
        Evidence(
            "growth",
            weight,
            f"grew from {before} to {after} (+{delta}) between the two snapshots{pace}{forever}",
        )
    ]


def _per_minute(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.2g}"


def _test_timeout_evidence(
    group: Group, grouping: Grouping, test_timeout: str, running: tuple[str, ...]
) -> list[Evidence]:
    in_test = runs_a_test(group.frames)
    # What a test started counts when it is stuck for good (a channel, a lock): an httptest
    # server's idle connections are started by a test too, and wait on their client.
    started_by_test = group.kind in CAN_BLOCK_FOREVER and any(
        gid in grouping.test_ids for gid in group.creators
    )
    if not (in_test or started_by_test):
        return []
    names = f" while {', '.join(running)} ran" if running else ""
    role = "a running test blocked" if in_test else "started by a running test and still blocked"
    return [
        Evidence(
            "test-timeout",
            Confidence.HIGH,
            f"the test binary reported '{test_timeout}'{names}: {role} in the test's own code",
        )
    ]


def _merge(groups: list[Group]) -> Group:
    """One view of several groups that point at the same place, for scoring them together."""
    first = groups[0]
    if len(groups) == 1:
        return first
    merged = Group(
        kind=first.kind,
        site=first.site,
        frames=first.frames,
        created_by=first.created_by,
        http_phase=", ".join(dict.fromkeys(g.http_phase for g in groups if g.http_phase)) or None,
        state=first.state,
        server=first.server,
    )
    for group in groups:
        merged.absorb(group)
    return merged


def _aim(group: Group, grouping: Grouping) -> tuple[str, Frame | None]:
    """The pattern a group fits and where the user should look for it."""
    if group.http_phase in WAITS_ON_CLIENT or group.http_phase == "connection":
        server = grouping.server_of(group)
        start = server.start_site if server is not None else None
        return "server-without-timeouts", start or group.site
    if group.kind is Kind.NETWORK_IO:
        return "client-without-timeout", group.site
    return PATTERN_BY_KIND.get(group.kind, "unknown"), group.site


def assess(
    grouping: Grouping,
    settings: Settings = Settings(),
    kind_hint: Callable[[Frame], Kind] | None = None,
    *,
    deadlocked: bool = False,
    comparison: Comparison | None = None,
    test_timeout: str | None = None,
    running_tests: tuple[str, ...] = (),
    static_evidence: Callable[[Group], list[Evidence]] | None = None,
) -> Assessment:
    """Score every group. Groups that fit the same pattern at the same place are one suspect.

    ``kind_hint`` names the kind of a site from its source line, for formats that do not say
    how a goroutine blocks (debug=1). ``deadlocked`` is set when the runtime reported that all
    goroutines are asleep: then every goroutine in the dump is blocked for good.
    ``comparison`` holds the counts of an earlier snapshot, ``test_timeout`` the panic line of a
    test binary that timed out, and ``static_evidence`` what the source says about a group's
    blocking site.
    """
    assessment = Assessment()
    if kind_hint is not None:
        for group in grouping.groups.values():
            if group.kind is Kind.UNKNOWN and group.site is not None:
                group.kind = kind_hint(group.site)
    at_site: Counter[tuple[Kind, str]] = Counter()
    for group in grouping.groups.values():
        if group.site is not None:
            at_site[(group.kind, group.site.location)] += group.count

    writers = paired_writers(grouping)
    aimed: dict[tuple[str, str, Kind], list[Group]] = {}
    for group in grouping.groups.values():
        reason = by_design_reason(group, settings.ignore) or writers.get(id(group))
        if reason is not None and not group.leaked:
            assessment.by_design[id(group)] = reason
            continue
        pattern_name, location = _aim(group, grouping)
        where = location.location if location is not None else group.location
        aimed.setdefault((pattern_name, where, group.kind), []).append(group)

    for (pattern_name, _, kind), members in aimed.items():
        group = _merge(members)
        location = _aim(members[0], grouping)[1]
        evidence: list[Evidence] = []
        if group.leaked:
            evidence.append(
                Evidence(
                    "runtime-leaked",
                    Confidence.HIGH,
                    f"the Go runtime's leak detector marked {group.leaked} of {group.count} "
                    "as leaked: nothing runnable can reach what they wait on",
                )
            )
        blocks = kind in CAN_BLOCK_FOREVER
        if deadlocked and blocks:
            evidence.append(
                Evidence(
                    "deadlock",
                    Confidence.HIGH,
                    "the runtime reported that all goroutines are asleep: none can ever wake",
                )
            )
        if test_timeout is not None and group.site is not None and kind not in _NOT_WAITING:
            evidence += _test_timeout_evidence(group, grouping, test_timeout, running_tests)
        if pattern_name == "server-without-timeouts":
            evidence += _connection_evidence(group, members, grouping, settings)
        elif pattern_name == "client-without-timeout":
            evidence += _client_evidence(group, settings)
        elif group.site is not None and (blocks or kind is Kind.UNKNOWN):
            count = at_site[(kind, group.site.location)]
            evidence += _blocking_evidence(group, grouping, count, settings)
        if comparison is not None:
            evidence += _growth_evidence(members, kind, comparison, settings)
        # What the source says strengthens what the dump shows; on its own it accuses nobody.
        if static_evidence is not None and group.site is not None and evidence:
            evidence += static_evidence(group)

        confidence = _strength(evidence)
        if confidence is None or confidence.rank < settings.min_confidence.rank:
            continue
        assessment.suspects.append(
            Suspect(
                group,
                confidence,
                evidence,
                pattern_name,
                pattern_for(pattern_name),
                location,
                members,
            )
        )

    assessment.suspects.sort(
        key=lambda s: (-s.confidence.rank, -s.group.count, -(s.group.wait_max or 0))
    )
    return assessment
