"""``gotriage sockets --format json``: the analysis as stable JSON (schema in the README)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from gotriage.sockets import states as S
from gotriage.sockets.analyse import SocketFinding, SocketsAnalysis
from gotriage.sockets.join import GoroutineView

SCHEMA = "gotriage.sockets/1"


def _states(counts: Counter[str]) -> dict[str, int]:
    order = {name: i for i, name in enumerate(S.ORDER)}
    return {k: counts[k] for k in sorted(counts, key=lambda k: order.get(k, 99)) if counts[k]}


def finding_json(finding: SocketFinding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "title": finding.title,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "side": finding.side,
        "port": finding.port,
        "upstream": finding.upstream,
        "count": finding.count,
        "message": finding.message,
        "evidence": finding.evidence,
        "examples": finding.examples,
        "processes": finding.processes,
        "goroutines": finding.goroutines,
        "explanation": finding.explanation,
        "fix": finding.fix,
    }


def to_json(result: SocketsAnalysis, goroutines: GoroutineView | None = None) -> dict[str, Any]:
    settings = result.settings
    return {
        "schema": SCHEMA,
        "sources": result.sources,
        "format": result.format,
        "samples": result.samples,
        "span_seconds": None if result.span_seconds is None else round(result.span_seconds, 3),
        "total_sockets": result.total,
        "states": _states(result.states),
        "sides": {side: _states(counts) for side, counts in result.sides.items()},
        "ports": [
            {
                "port": row.port,
                "addresses": row.addresses,
                "processes": row.processes,
                "backlog": row.backlog,
                "accept_queue": row.accept_queue,
                "states": _states(row.states),
                "recv_q": row.recv_q,
                "send_q": row.send_q,
            }
            for row in result.ports
        ],
        "upstreams": [
            {"remote": remote, "total": sum(counts.values()), "states": _states(counts)}
            for remote, counts in result.upstreams
        ],
        "remote_addresses": [{"address": a, "count": n} for a, n in result.remote_addresses],
        "findings": [finding_json(f) for f in result.findings],
        "summary": result.summary,
        "counters": result.counters,
        "counter_growth": result.counter_growth,
        "sockstat": result.sockstat,
        "limits": result.limits,
        "missing": result.missing,
        "notes": result.notes,
        "parse_issues": [{"source": s, "line": n, "message": m} for s, n, m in result.issues],
        "settings": {
            "port": settings.port,
            "pid": settings.pid,
            "idle_seconds": settings.idle_seconds,
            "slow_clients": settings.slow_clients_min,
            "stale_seconds": settings.stale_seconds,
            "time_wait": settings.time_wait_min,
            "close_wait": settings.close_wait_min,
        },
        "goroutines": None
        if goroutines is None
        else {
            "source": goroutines.source,
            "total": goroutines.total,
            "http_phases": dict(goroutines.phases.most_common()),
            "client_connections": goroutines.client_connections,
            "suspects": goroutines.suspects,
        },
    }


def render(result: SocketsAnalysis, out: TextIO, goroutines: GoroutineView | None = None) -> None:
    json.dump(to_json(result, goroutines), out, indent=2)
    out.write("\n")
