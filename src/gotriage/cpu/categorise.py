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


_ANYWHERE = [(rule, _compile(rule)) for rule in RULES if rule.scope == "anywhere"]
_INNERMOST = [(rule, _compile(rule)) for rule in RULES if rule.scope == "innermost"]
# per function: (index of the first matching anywhere rule or a large number, innermost
# category or "", user code?)
_NO_RULE = 1 << 30


class Categoriser:
    """Applies the rules; remembers what it learned about each function name."""

    def __init__(self) -> None:
        self._functions: dict[str, tuple[int, str, bool]] = {}

    def _facts(self, function: str) -> tuple[int, str, bool]:
        facts = self._functions.get(function)
        if facts is None:
            anywhere = next(
                (i for i, (_, rx) in enumerate(_ANYWHERE) if rx.match(function)), _NO_RULE
            )
            innermost = next((rule.category for rule, rx in _INNERMOST if rx.match(function)), "")
            facts = (anywhere, innermost, is_user_function(function))
            self._functions[function] = facts
        return facts

    def category(self, frames: tuple[Frame, ...]) -> str:
        """The category of one stack (leaf first)."""
        for frame in frames:
            pseudo = PSEUDO_FRAMES.get(frame.function)
            if pseudo is not None:
                return pseudo
        facts = [self._facts(frame.function) for frame in frames]
        best = min((f[0] for f in facts), default=_NO_RULE)
        if best != _NO_RULE:
            return _ANYWHERE[best][0].category
        for _, innermost, user in facts:
            if innermost:
                return innermost
            if user:
                return USER
        return RUNTIME_OTHER

    def is_tracer(self, frames: tuple[Frame, ...]) -> bool:
        return any(self._facts(f.function)[0] == 0 for f in frames)

    def user_frame(self, frames: tuple[Frame, ...]) -> Frame | None:
        """The innermost frame of the user's own code: the call site that drives the work."""
        for frame in frames:
            if self._facts(frame.function)[2]:
                return frame
        return None


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
    stack: Stack
    for stack in profile.stacks:
        frames = stack.frames
        n = stack.count
        category = cat.category(frames)
        counts[category] += n
        leaf = frames[0].function if frames else "?"
        leaves[category][leaf] += n
        function_samples[leaf] += n
        user = cat.user_frame(frames)
        if user is not None:
            sites[category][(user.function, user.location)] += n
            if category == USER:
                user_functions[user.function] += n
                user_packages[user.package] += n
        if category == RUNTIME_OTHER and cat.is_tracer(frames):
            tracer += n
        for frame in frames:
            if frame.function == HTTP_CONN:
                conn += n
                break
            if frame.function == HTTP_ACCEPT:
                accept += n
                break

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
