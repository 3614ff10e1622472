"""The plain data of a run: the plan (what to do), the timeline (what was seen each second),
the per-phase summaries and the verdicts. Renderers read these; nothing here does I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gotriage.reproduce.scenarios.base import Stats
from gotriage.sockets.analyse import SocketFinding

PHASES = ("baseline", "scenario", "recovery")
MAX_RUN_SECONDS = 600.0  # every phase of every compared server together
MAX_CONNECTIONS = 20_000  # scenario connections held at once, all scenarios together


@dataclass(frozen=True)
class ScenarioSpec:
    name: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    scenarios: tuple[ScenarioSpec, ...]
    seed: int = 1
    baseline: float = 3.0
    duration: float = 10.0
    recovery: float = 10.0
    rate: float = 50.0  # normal requests a second
    load_path: str = ""  # "" : the URL's path
    load_connections: int = 8
    request_timeout: float = 10.0

    @property
    def total(self) -> float:
        return self.baseline + self.duration + self.recovery


@dataclass(frozen=True)
class Thresholds:
    """When the server counts as degraded (exit 1)."""

    goroutines_left: int = 10  # more goroutines than at baseline once recovery ends
    p99_ratio: float = 10.0  # scenario p99 over baseline p99 ...
    p99_increase: float = 0.1  # ... and at least this many seconds more
    error_rate: float = 0.01  # normal requests failing, in the scenario or recovery phase
    time_wait: int = 10_000  # sockets in TIME_WAIT on the target's port


@dataclass
class Second:
    """One sample of the timeline; ``at`` is seconds since the run started."""

    at: float
    phase: str
    goroutines: int | None = None
    top_groups: list[tuple[str, int]] = field(default_factory=list)
    goroutines_error: str | None = None
    cpu_percent: float | None = None
    threads: int | None = None
    sockets: dict[str, int] | None = None
    requests: int = 0  # normal requests completed in the second before
    errors: int = 0
    p50: float | None = None  # seconds
    p99: float | None = None
    scenario_open: int = 0  # scenario connections open, as the client sees them


@dataclass
class CpuProfile:
    """The CPU categories of ``gotriage cpu`` over a profile taken in the scenario phase."""

    seconds: float
    samples: int = 0
    categories: dict[str, float] = field(default_factory=dict)  # category -> percent
    dominant: str | None = None
    error: str | None = None  # why there is no profile


@dataclass
class PhaseSockets:
    """The sockets analysis of the target's port over the last snapshots of a phase."""

    source: str  # netlink or proc
    snapshots: int
    findings: list[SocketFinding] = field(default_factory=list)  # the server side's
    missing: list[str] = field(default_factory=list)


@dataclass
class PhaseSummary:
    name: str
    seconds: float
    goroutines_first: int | None = None
    goroutines_peak: int | None = None
    goroutines_last: int | None = None
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    p50: float | None = None
    p99: float | None = None
    p999: float | None = None
    max: float | None = None
    cpu_percent_mean: float | None = None
    cpu_percent_max: float | None = None
    threads_max: int | None = None
    sockets_last: dict[str, int] | None = None
    sockets_peak: dict[str, int] | None = None
    sockets: PhaseSockets | None = None
    cpu: CpuProfile | None = None  # the scenario phase only

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass
class Verdict:
    scenario: str
    degraded: bool
    reasons: list[str]  # which thresholds were crossed: goroutines, latency, errors, ...
    evidence: str  # one sentence: what happened, with numbers
    fix: str  # what stops it, with the recommended value
    setting: str  # the Go setting the fix is about


@dataclass
class ScenarioRun:
    spec: ScenarioSpec
    stats: Stats


@dataclass
class Run:
    url: str
    address: str
    pprof: str
    pid: int | None
    plan: Plan
    timeline: list[Second] = field(default_factory=list)
    phases: dict[str, PhaseSummary] = field(default_factory=dict)
    scenarios: list[ScenarioRun] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False
    elapsed: float = 0.0

    @property
    def degraded(self) -> bool:
        return any(v.degraded for v in self.verdicts)
