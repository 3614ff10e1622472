"""Leak scoring: which groups are leak suspects, how sure, and on what evidence.

Each piece of evidence has a weight. The runtime's own ``(leaked)`` verdict and operations that
can never wake (nil channels, empty selects) are proof on their own; many goroutines at one
send or lock (the LeakProf signal), an exited creator (an orphan), and long waits are each
medium evidence, and two of them together are strong. Groups blocked by design (runtime
workers, signal handling, accept loops, pprof, user ignore patterns) are set aside unless the
runtime itself says they leaked.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from gotriage.goroutines.classify import ACCEPT_LOOP, WAITS_ON_CLIENT
from gotriage.goroutines.group import Group, Grouping
from gotriage.knowledge.by_design import BY_DESIGN
from gotriage.knowledge.patterns import Pattern, pattern_for
from gotriage.knowledge.wait_reasons import CAN_BLOCK_FOREVER, CROWD_IS_EVIDENCE, NEVER_WAKES, Kind
from gotriage.model import Confidence, Frame


@dataclass(frozen=True, slots=True)
class Settings:
    min_count: int = 10
    long_wait_minutes: int = 10
    ignore: tuple[str, ...] = ()
    min_confidence: Confidence = Confidence.MEDIUM


@dataclass(frozen=True, slots=True)
class Evidence:
    code: str
    weight: Confidence
    text: str


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


_PATTERN_BY_KIND = {
    Kind.CHAN_SEND: "chan-send",
    Kind.CHAN_RECEIVE: "chan-receive",
    Kind.NIL_CHAN: "nil-chan",
    Kind.SELECT_NO_CASES: "select-no-cases",
    Kind.SELECT: "select",
    Kind.MUTEX: "mutex",
    Kind.RWMUTEX: "mutex",
    Kind.WAITGROUP: "waitgroup",
    Kind.COND: "cond",
    Kind.SEMAPHORE: "semaphore",
}


def _matches(function: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if pattern.endswith("*"):
            if function.startswith(pattern[:-1]):
                return True
        elif function == pattern:
            return True
    return False


def by_design_reason(group: Group, ignore: tuple[str, ...] = ()) -> str | None:
    """Why a group is blocked on purpose, or None."""
    functions = [frame.function for frame in group.frames]
    if group.created_by is not None:
        functions.append(group.created_by.function)
    for pattern in ignore:
        places = [f"{frame.file}:{frame.line}" for frame in group.frames if frame.file]
        if any(fnmatch.fnmatchcase(name, pattern) for name in functions + places):
            return f"ignored by pattern {pattern!r}"
    for reason, patterns in BY_DESIGN:
        if any(_matches(function, patterns) for function in functions):
            return reason
    if group.http_phase == ACCEPT_LOOP:
        return "HTTP server accept loop"
    return None


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
        weight = Confidence.MEDIUM if kind in CROWD_IS_EVIDENCE else Confidence.LOW
        if kind is Kind.UNKNOWN:
            weight = Confidence.MEDIUM if not grouping.has_wait_reasons else Confidence.LOW
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


def _connection_evidence(group: Group, grouping: Grouping, settings: Settings) -> list[Evidence]:
    evidence: list[Evidence] = []
    server = grouping.server_of(group)
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
    return _PATTERN_BY_KIND.get(group.kind, "unknown"), group.site


def assess(
    grouping: Grouping,
    settings: Settings = Settings(),
    kind_hint: Callable[[Frame], Kind] | None = None,
    *,
    deadlocked: bool = False,
) -> Assessment:
    """Score every group. Groups that fit the same pattern at the same place are one suspect.

    ``kind_hint`` names the kind of a site from its source line, for formats that do not say
    how a goroutine blocks (debug=1). ``deadlocked`` is set when the runtime reported that all
    goroutines are asleep: then every goroutine in the dump is blocked for good.
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

    aimed: dict[tuple[str, str, Kind], list[Group]] = {}
    for group in grouping.groups.values():
        reason = by_design_reason(group, settings.ignore)
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
        if deadlocked and kind in CAN_BLOCK_FOREVER:
            evidence.append(
                Evidence(
                    "deadlock",
                    Confidence.HIGH,
                    "the runtime reported that all goroutines are asleep: none can ever wake",
                )
            )
        if pattern_name == "server-without-timeouts":
            evidence += _connection_evidence(group, grouping, settings)
        elif pattern_name == "client-without-timeout":
            evidence += _client_evidence(group, settings)
        elif group.site is not None and (kind in CAN_BLOCK_FOREVER or kind is Kind.UNKNOWN):
            count = at_site[(kind, group.site.location)]
            evidence += _blocking_evidence(group, grouping, count, settings)

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
