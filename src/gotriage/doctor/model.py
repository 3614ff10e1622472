"""The plain data of a doctor run: what was gathered, each analysis' findings as observations,
and the diagnoses they join into.

An :class:`Observation` is one finding of one analysis in a common shape: the side that saw it
(source, probe, goroutines, cpu, sockets, history), its stable id there (an audit rule, a probe
measurement, a leak pattern, a CPU verdict, a socket finding), tags that say more (the missing
server fields, the goroutine evidence codes, ``problem`` or ``healthy`` for a measurement), and
whether it reports a problem. Diagnoses match observations by side, id and tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gotriage.model import Confidence, Severity

SIDES = ("source", "probe", "goroutines", "cpu", "sockets", "history")


@dataclass(frozen=True, slots=True)
class Observation:
    side: str
    id: str
    severity: Severity
    confidence: Confidence
    summary: str
    details: tuple[str, ...] = ()
    location: str = ""  # file:line, or a port, or a URL
    tags: tuple[str, ...] = ()
    problem: bool = True  # False: a healthy measurement, which can contradict a diagnosis
    snippet: tuple[tuple[int, str], ...] = ()  # source lines around the location

    @property
    def key(self) -> str:
        return f"{self.side}:{self.id}:{self.location}:{self.summary}"


@dataclass(slots=True)
class Gathered:
    """What a doctor run collected: each analysis' result, and what it could not collect."""

    started: float = 0.0
    budget: float = 60.0
    elapsed: float = 0.0
    inputs: dict[str, str] = field(default_factory=dict)  # what was given: url, pprof, source...
    audit: Any = None  # gotriage.audit.runner.AuditReport
    probe: Any = None  # gotriage.probe.model.ProbeReport
    goroutines: Any = None  # gotriage.goroutines.analyse.Analysis (with growth when twice)
    cpu: Any = None  # gotriage.cpu.analyse.CpuAnalysis
    sockets: Any = None  # gotriage.sockets.analyse.SocketsAnalysis
    history: Any = None  # gotriage.watch.history.History
    collected: dict[str, str] = field(default_factory=dict)  # side -> what was collected
    missing: dict[str, str] = field(default_factory=dict)  # side -> why it is missing
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Diagnosis:
    id: str
    title: str
    severity: Severity
    confidence: Confidence
    explanation: str
    fix: str
    fix_code: str
    verify: str
    supporting: list[Observation]
    contradicting: list[Observation]
    sides: tuple[str, ...]  # the sides that support it
    blind: tuple[str, ...]  # sides that could have seen it but were not gathered


@dataclass(slots=True)
class Result:
    gathered: Gathered
    diagnoses: list[Diagnosis]
    other: list[Observation]
    observations: list[Observation]

    @property
    def exit_code(self) -> int:
        return 1 if any(d.severity.rank >= Severity.MEDIUM.rank for d in self.diagnoses) else 0
