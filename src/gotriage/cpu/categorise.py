"""Where the CPU went: each distinct stack of a profile gets one category.

The rules are data (:mod:`gotriage.knowledge.cpu_categories`); this module applies them. Each
function name is matched against the rules once and remembered, and each distinct stack is
categorised once, so a profile costs one pass over its distinct stacks.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from gotriage.cpu.profile import Profile, Stack
from gotriage.knowledge.cpu_categories import (
    CATEGORY_NAMES,
    PSEUDO_FRAMES,
    RULES,
    RUNTIME_OTHER,
    USER,
    Rule,
    is_user_function,
)
from gotriage.model import Frame

TOP = 8
HTTP_CONN = "net/http.(*conn).serve"
HTTP_ACCEPT = "net/http.(*Server).Serve"


def _compile(rule: Rule) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(p) for p in rule.patterns))


_NO_RULE = 1 << 30


class Facts(NamedTuple):
    """What the rules say about a run of frames (one location, or a whole stack), leaf first."""

    pseudo: str  # category of the first pseudo-frame, or ""
    anywhere: int  # index of the first matching anywhere rule, or _NO_RULE
    decider: str  # category of the innermost innermost-rule or user frame, or ""
    user: Frame | None  # the innermost frame of the user's code
    http: str  # "conn" or "accept": the innermost net/http server anchor, or ""
    tracer: bool
    leaf: str


class Categoriser:
    """Applies the rules; remembers what it learned about each function name and location."""

    def __init__(self) -> None:
        self._functions: dict[str, tuple[int, str, bool]] = {}
        self._anywhere = [(rule, _compile(rule)) for rule in RULES if rule.scope == "anywhere"]
        self._innermost = [(rule, _compile(rule)) for rule in RULES if rule.scope == "innermost"]
        self._by_frames: dict[int, tuple[tuple[Frame, ...], int]] = {}  # id(frames) -> sig
        self._signatures: list[Facts] = []
        self._sig_index: dict[Facts, int] = {}
        self._stacks: dict[tuple[int, ...], Facts] = {}
        self._tables: dict[int, tuple[dict[int, tuple[Frame, ...]], dict[int, int]]] = {}

    def _facts(self, function: str) -> tuple[int, str, bool]:
        facts = self._functions.get(function)
        if facts is None:
            anywhere = next(
                (i for i, (_, rx) in enumerate(self._anywhere) if rx.match(function)), _NO_RULE
            )
            innermost = next(
                (rule.category for rule, rx in self._innermost if rx.match(function)), ""
            )
            facts = (anywhere, innermost, is_user_function(function))
            self._functions[function] = facts
        return facts

    def facts(self, frames: tuple[Frame, ...]) -> Facts:
        pseudo = decider = http = ""
        anywhere = _NO_RULE
        user: Frame | None = None
        tracer = False
        for frame in frames:
            function = frame.function
            if not pseudo:
                pseudo = PSEUDO_FRAMES.get(function, "")
            index, innermost, is_user = self._facts(function)
            if index < anywhere:
                anywhere = index
            tracer = tracer or index == 0
            if not decider:
                decider = innermost or (USER if is_user else "")
            if is_user and user is None:
                user = frame
            if not http and function in (HTTP_CONN, HTTP_ACCEPT):
                http = "conn" if function == HTTP_CONN else "accept"
        return Facts(
            pseudo, anywhere, decider, user, http, tracer, frames[0].function if frames else "?"
        )

    def category_of(self, facts: Facts) -> str:
        if facts.pseudo:
            return facts.pseudo
        if facts.anywhere != _NO_RULE:
            return self._anywhere[facts.anywhere][0].category
        return facts.decider or RUNTIME_OTHER

    def category(self, frames: tuple[Frame, ...]) -> str:
        """The category of one stack (leaf first)."""
        return self.category_of(self.facts(frames))

    def is_tracer(self, frames: tuple[Frame, ...]) -> bool:
        return self.facts(frames).tracer

    def user_frame(self, frames: tuple[Frame, ...]) -> Frame | None:
        """The innermost frame of the user's own code: the call site that drives the work."""
        return self.facts(frames).user

    def _signature(self, frames: tuple[Frame, ...]) -> int:
        known = self._by_frames.get(id(frames))
        if known is not None and known[0] is frames:
            return known[1]
        facts = self.facts(frames)
        sig = self._sig_index.get(facts)
        if sig is None:
            sig = self._sig_index[facts] = len(self._signatures)
            self._signatures.append(facts)
        self._by_frames[id(frames)] = (frames, sig)
        return sig

    def _location_signatures(self, table: dict[int, tuple[Frame, ...]]) -> dict[int, int]:
        """Each location id of a profile -> the signature of its frames' facts."""
        known = self._tables.get(id(table))
        if known is not None and known[0] is table:
            return known[1]
        signature = self._signature
        sigs = {loc: signature(frames) for loc, frames in table.items()}
        self._tables[id(table)] = (table, sigs)
        return sigs

    def stack_facts(self, stack: Stack) -> Facts:
        """Facts of a profile's stack, combined from its locations' (each worked out once):
        stacks that differ only by address share one answer."""
        sigs = self._location_signatures(stack._table)
        try:
            key = tuple(map(sigs.__getitem__, stack.locations))
        except KeyError:  # a sample naming a location the profile does not have
            key = tuple(sigs[loc] for loc in stack.locations if loc in sigs)
        found = self._stacks.get(key)
        if found is not None:
            return found
        parts = [self._signatures[sig] for sig in key]
        combined = Facts(
            next((f.pseudo for f in parts if f.pseudo), ""),
            min((f.anywhere for f in parts), default=_NO_RULE),
            next((f.decider for f in parts if f.decider), ""),
            next((f.user for f in parts if f.user is not None), None),
            next((f.http for f in parts if f.http), ""),
            any(f.tracer for f in parts),
            parts[0].leaf if parts else "?",
        )
        self._stacks[key] = combined
        return combined


@dataclass(slots=True)
class Share:
    """A function or call site and its share of the profile's samples."""

    name: str
    samples: int
    seconds: float
    percent: float
    location: str = ""


@dataclass(slots=True)
class CategoryShare:
    name: str
    samples: int
    seconds: float
    percent: float
    functions: list[Share] = field(default_factory=list)  # leaf functions (self time)
    call_sites: list[Share] = field(default_factory=list)  # the user code driving it


@dataclass(slots=True)
class Breakdown:
    """A CPU profile by category, plus the figures comparisons and verdicts need."""

    samples: int
    seconds: float
    duration_seconds: float
    categories: list[CategoryShare]
    user_functions: list[Share]  # user category by the innermost user function
    user_packages: list[Share]
    tracer_percent: float
    # every leaf function's samples and every category's, for --base comparisons
    function_samples: dict[str, int]
    stacks: int
    http_conn_percent: float = 0.0  # under net/http.(*conn).serve: the server's connections
    http_accept_percent: float = 0.0  # under net/http.(*Server).Serve: its accept loop

    def share(self, name: str) -> CategoryShare:
        return next(c for c in self.categories if c.name == name)

    def percent(self, *names: str) -> float:
        return sum(self.share(n).percent for n in names)

    @property
    def dominant(self) -> str | None:
        best = max(self.categories, key=lambda c: c.samples)
        return best.name if best.samples else None


def categorise(profile: Profile, categoriser: Categoriser | None = None) -> Breakdown:
    """The profile's samples by category, each with its top functions and call sites."""
    cat = categoriser or Categoriser()
    samples = profile.samples
    seconds_per_sample = profile.nanos / 1e9 / samples if samples else 0.0
    counts: Counter[str] = Counter()
    leaves: dict[str, Counter[str]] = {name: Counter() for name in CATEGORY_NAMES}
    sites: dict[str, Counter[tuple[str, str]]] = {name: Counter() for name in CATEGORY_NAMES}
    user_functions: Counter[str] = Counter()
    user_packages: Counter[str] = Counter()
    function_samples: Counter[str] = Counter()
    tracer = conn = accept = 0
    # Stacks that differ only by address share one Facts object: add their samples up first.
    per_facts: dict[int, list] = {}  # type: ignore[type-arg]
    stack_facts = cat.stack_facts
    for stack in profile.stacks:
        facts = stack_facts(stack)
        entry = per_facts.get(id(facts))
        if entry is None:
            per_facts[id(facts)] = [facts, stack.count]
        else:
            entry[1] += stack.count
    for facts, n in per_facts.values():
        category = cat.category_of(facts)
        counts[category] += n
        leaves[category][facts.leaf] += n
        function_samples[facts.leaf] += n
        user = facts.user
        if user is not None:
            sites[category][(user.function, user.location)] += n
            if category == USER:
                user_functions[user.function] += n
                user_packages[user.package] += n
        if category == RUNTIME_OTHER and facts.tracer:
            tracer += n
        if facts.http == "conn":
            conn += n
        elif facts.http == "accept":
            accept += n

    def pct(n: int) -> float:
        return 100.0 * n / samples if samples else 0.0

    def shares(counter: Counter[str], limit: int = TOP) -> list[Share]:
        return [
            Share(name, n, n * seconds_per_sample, pct(n)) for name, n in counter.most_common(limit)
        ]

    categories = []
    for name in CATEGORY_NAMES:
        n = counts[name]
        call_sites = [
            Share(function, k, k * seconds_per_sample, pct(k), location)
            for (function, location), k in sites[name].most_common(TOP)
        ]
        categories.append(
            CategoryShare(name, n, n * seconds_per_sample, pct(n), shares(leaves[name]), call_sites)
        )
    categories.sort(key=lambda c: -c.samples)
    return Breakdown(
        samples=samples,
        seconds=profile.nanos / 1e9,
        duration_seconds=profile.duration_seconds,
        categories=categories,
        user_functions=shares(user_functions),
        user_packages=shares(user_packages),
        tracer_percent=pct(tracer),
        function_samples=dict(function_samples),
        stacks=len(profile.stacks),
        http_conn_percent=pct(conn),
        http_accept_percent=pct(accept),
    )


__all__ = ["Breakdown", "Categoriser", "CategoryShare", "Share", "categorise"]
