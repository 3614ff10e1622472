"""`gotriage reproduce --format json`: a stable document, described by :data:`SCHEMA`.

Field names are part of the interface (documented in the README); add fields, never rename.
Durations are in seconds, rates are fractions (0.01 is 1%).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, TextIO

from gotriage.reproduce.model import (
    PHASES,
    PhaseSockets,
    PhaseSummary,
    Plan,
    Run,
    Second,
    Thresholds,
)

FORMAT = "gotriage.reproduce/1"

_NUM = {"type": ["number", "null"]}
_INT = {"type": ["integer", "null"]}
_COUNTS = {"type": ["object", "null"], "additionalProperties": {"type": "integer"}}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


_SECOND = _object(
    {
        "at_seconds": {"type": "number"},
        "phase": {"enum": list(PHASES)},
        "goroutines": _INT,
        "goroutines_error": {"type": ["string", "null"]},
        "top_groups": {
            "type": "array",
            "items": _object({"site": {"type": "string"}, "count": {"type": "integer"}}),
        },
        "cpu_percent": _NUM,
        "threads": _INT,
        "sockets": _COUNTS,
        "requests": {"type": "integer"},
        "errors": {"type": "integer"},
        "p50_seconds": _NUM,
        "p99_seconds": _NUM,
        "scenario_open": {"type": "integer"},
    }
)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [{"type": "null"}, schema]}


_CPU = _nullable(
    _object(
        {
            "seconds": {"type": "number"},
            "samples": {"type": "integer"},
            "categories": {"type": "object", "additionalProperties": {"type": "number"}},
            "dominant": {"type": ["string", "null"]},
            "error": {"type": ["string", "null"]},
        }
    )
)
_TEXT = {"type": "string"}
_SOCKET_FINDING = _object(
    {
        **{name: _TEXT for name in ("id", "severity", "confidence", "message", "fix")},
        "count": {"type": "integer"},
        "evidence": {"type": "array", "items": _TEXT},
    }
)
_SOCKETS = _nullable(
    _object(
        {
            "source": {"type": "string"},
            "snapshots": {"type": "integer"},
            "findings": {"type": "array", "items": _SOCKET_FINDING},
            "missing": {"type": "array", "items": {"type": "string"}},
        }
    )
)
_PHASE = _object(
    {
        "seconds": {"type": "number"},
        "goroutines_first": _INT,
        "goroutines_peak": _INT,
        "goroutines_last": _INT,
        "requests": {"type": "integer"},
        "errors": {"type": "integer"},
        "error_rate": {"type": "number"},
        "error_kinds": _COUNTS,
        "p50_seconds": _NUM,
        "p99_seconds": _NUM,
        "p999_seconds": _NUM,
        "max_seconds": _NUM,
        "cpu_percent_mean": _NUM,
        "cpu_percent_max": _NUM,
        "threads_max": _INT,
        "sockets_last": _COUNTS,
        "sockets_peak": _COUNTS,
        "sockets": _SOCKETS,
        "cpu": _CPU,
    }
)
_STATS = _object(
    {
        "connections": {"type": "integer"},
        "connect_failed": {"type": "integer"},
        "requests": {"type": "integer"},
        "logical": {"type": "integer"},
        "retries": {"type": "integer"},
        "resets": {"type": "integer"},
        "bytes_sent": {"type": "integer"},
        "answers": _COUNTS,
        "open_at_scenario_end": {"type": "integer"},
        "open_at_end": {"type": "integer"},
        "closed_by_server": {"type": "integer"},
        "closed_median_seconds": _NUM,
    }
)
_VERDICT = _object(
    {
        "scenario": {"type": "string"},
        "degraded": {"type": "boolean"},
        "reasons": {
            "type": "array",
            "items": {"enum": ["goroutines", "latency", "errors", "rejected", "time-wait"]},
        },
        "evidence": {"type": "string"},
        "fix": {"type": "string"},
        "setting": {"type": "string"},
    }
)
_SPEC = _object({"name": {"type": "string"}, "params": {"type": "object"}})
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    **_object(
        {
            "format": {"const": FORMAT},
            "plan": _object(
                {
                    "seed": {"type": "integer"},
                    "baseline_seconds": {"type": "number"},
                    "duration_seconds": {"type": "number"},
                    "recovery_seconds": {"type": "number"},
                    "rate": {"type": "number"},
                    "load_path": {"type": "string"},
                    "load_connections": {"type": "integer"},
                    "request_timeout_seconds": {"type": "number"},
                    "scenarios": {"type": "array", "items": _SPEC},
                }
            ),
            "thresholds": _object(
                {
                    "goroutines_left": {"type": "integer"},
                    "p99_ratio": {"type": "number"},
                    "p99_increase_seconds": {"type": "number"},
                    "error_rate": {"type": "number"},
                    "time_wait": {"type": "integer"},
                }
            ),
            "runs": {
                "type": "array",
                "items": _object(
                    {
                        "target": {"type": "string"},
                        "address": {"type": "string"},
                        "pprof": {"type": "string"},
                        "pid": _INT,
                        "interrupted": {"type": "boolean"},
                        "elapsed_seconds": {"type": "number"},
                        "notes": {"type": "array", "items": {"type": "string"}},
                        "timeline": {"type": "array", "items": _SECOND},
                        "phases": _object({name: _PHASE for name in PHASES}),
                        "scenarios": {
                            "type": "array",
                            "items": _object({**_SPEC["properties"], "stats": _STATS}),
                        },
                        "verdicts": {"type": "array", "items": _VERDICT},
                        "degraded": {"type": "boolean"},
                    }
                ),
            },
            "interrupted": {"type": "boolean"},
            "exit_code": {"enum": [0, 1, 130]},
        }
    ),
}


def _second(s: Second) -> dict[str, Any]:
    return {
        "at_seconds": s.at,
        "phase": s.phase,
        "goroutines": s.goroutines,
        "goroutines_error": s.goroutines_error,
        "top_groups": [{"site": site, "count": n} for site, n in s.top_groups],
        "cpu_percent": s.cpu_percent,
        "threads": s.threads,
        "sockets": s.sockets,
        "requests": s.requests,
        "errors": s.errors,
        "p50_seconds": s.p50,
        "p99_seconds": s.p99,
        "scenario_open": s.scenario_open,
    }


def _phase(p: PhaseSummary | None, seconds: float) -> dict[str, Any]:
    p = p or PhaseSummary("", seconds)
    return {
        "seconds": p.seconds,
        "goroutines_first": p.goroutines_first,
        "goroutines_peak": p.goroutines_peak,
        "goroutines_last": p.goroutines_last,
        "requests": p.requests,
        "errors": p.errors,
        "error_rate": round(p.error_rate, 6),
        "error_kinds": p.error_kinds,
        "p50_seconds": p.p50,
        "p99_seconds": p.p99,
        "p999_seconds": p.p999,
        "max_seconds": p.max,
        "cpu_percent_mean": p.cpu_percent_mean,
        "cpu_percent_max": p.cpu_percent_max,
        "threads_max": p.threads_max,
        "sockets_last": p.sockets_last,
        "sockets_peak": p.sockets_peak,
        "sockets": _sockets(p.sockets),
        "cpu": dataclasses.asdict(p.cpu) if p.cpu is not None else None,
    }


def _sockets(s: PhaseSockets | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "source": s.source,
        "snapshots": s.snapshots,
        "findings": [
            {
                "id": f.id,
                "severity": f.severity.value,
                "confidence": f.confidence.value,
                "count": f.count,
                "message": f.message,
                "evidence": f.evidence,
                "fix": f.fix,
            }
            for f in s.findings
        ],
        "missing": s.missing,
    }


def _run(run: Run) -> dict[str, Any]:
    lengths = {
        "baseline": run.plan.baseline,
        "scenario": run.plan.duration,
        "recovery": run.plan.recovery,
    }
    return {
        "target": run.url,
        "address": run.address,
        "pprof": run.pprof,
        "pid": run.pid,
        "interrupted": run.interrupted,
        "elapsed_seconds": run.elapsed,
        "notes": run.notes,
        "timeline": [_second(s) for s in run.timeline],
        "phases": {name: _phase(run.phases.get(name), lengths[name]) for name in PHASES},
        "scenarios": [
            {"name": s.spec.name, "params": s.spec.params, "stats": dataclasses.asdict(s.stats)}
            for s in run.scenarios
        ],
        "verdicts": [dataclasses.asdict(v) for v in run.verdicts],
        "degraded": run.degraded,
    }


def document(runs: list[Run], plan: Plan, limits: Thresholds, exit_code: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "plan": {
            "seed": plan.seed,
            "baseline_seconds": plan.baseline,
            "duration_seconds": plan.duration,
            "recovery_seconds": plan.recovery,
            "rate": plan.rate,
            "load_path": plan.load_path,
            "load_connections": plan.load_connections,
            "request_timeout_seconds": plan.request_timeout,
            "scenarios": [{"name": s.name, "params": s.params} for s in plan.scenarios],
        },
        "thresholds": {
            "goroutines_left": limits.goroutines_left,
            "p99_ratio": limits.p99_ratio,
            "p99_increase_seconds": limits.p99_increase,
            "error_rate": limits.error_rate,
            "time_wait": limits.time_wait,
        },
        "runs": [_run(r) for r in runs],
        "interrupted": any(r.interrupted for r in runs),
        "exit_code": exit_code,
    }


def render(runs: list[Run], plan: Plan, limits: Thresholds, exit_code: int, out: TextIO) -> None:
    json.dump(document(runs, plan, limits, exit_code), out, indent=2)
    out.write("\n")
