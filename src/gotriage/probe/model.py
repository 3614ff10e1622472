"""What a probe measures, as plain data: one :class:`Measurement` per measured behaviour.

``status`` says what kind of number ``value`` is: ``measured`` (the server acted at ``value``),
``none`` (nothing happened up to ``value``, the probe's bound), ``skipped`` (the measurement needs
a flag, named in ``enable_with``), ``error`` (the probe could not tell, ``detail`` says why) or
``inconclusive`` (the server answered no complete request while it ran, so what was seen, kept in
``value``, may be a server that stopped answering rather than a setting).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Status(StrEnum):
    MEASURED = "measured"
    NONE = "none"
    SKIPPED = "skipped"
    ERROR = "error"
    INCONCLUSIVE = "inconclusive"


class Verdict(StrEnum):
    GOOD = "good"
    WARN = "warn"
    BAD = "bad"
    SKIPPED = "skipped"
    ERROR = "error"
    INCONCLUSIVE = "inconclusive"


class Unit(StrEnum):
    SECONDS = "seconds"
    BYTES = "bytes"
    CONNECTIONS = "connections"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measured behaviour; verdict fields are filled in by :mod:`gotriage.probe.verdicts`."""

    name: str
    status: Status
    unit: Unit
    value: float | None = None
    precision: float | None = None
    outcome: str = ""  # how the server acted: "closed", "reset", "408", "431", "413", ...
    detail: str = ""
    enable_with: str = ""
    attempts: int = 0  # requests or connections the measurement used
    verdict: Verdict | None = None
    recommended: str = ""
    go_field: str = ""
    fix: str = ""
    implied_setting: float | None = None  # max-header: the MaxHeaderBytes this size implies
    # max-header: the longest single header line accepted, when a per-line limit is below the
    # total (nginx's large_client_header_buffers), and the gap to the shortest line refused
    line_limit: float | None = None
    line_precision: float | None = None

    def with_fields(self, **changes: object) -> Measurement:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Requirement:
    """``name op value`` from ``--require``; ``value`` in seconds, bytes or connections."""

    text: str
    name: str
    op: str
    value: float
    unit: Unit


@dataclass(frozen=True, slots=True)
class RequirementResult:
    requirement: Requirement
    met: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    url: str
    max_wait: float = 30.0
    body_path: str = ""
    slow_path: str = ""
    large_path: str = ""
    max_body: int = 64 << 20
    max_header: int = 8 << 20
    max_connections: int = 256
    insecure: bool = False
    only: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProbeReport:
    target: str
    address: str
    tls: bool
    max_wait: float
    duration: float
    measurements: tuple[Measurement, ...]
    requirements: tuple[RequirementResult, ...] = ()
    target_lost: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
