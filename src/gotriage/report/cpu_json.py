"""``gotriage cpu --format json``: the analysis as stable JSON, schema ``gotriage.cpu/1``.

Fields may be added, never renamed; every one is described in the README.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from gotriage.cpu.analyse import CpuAnalysis
from gotriage.cpu.categorise import Share
from gotriage.cpu.series import Series
from gotriage.knowledge.cpu_categories import CATEGORIES

SCHEMA = "gotriage.cpu/1"
_TITLES = {c.name: c.title for c in CATEGORIES}


def _share(share: Share) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": share.name,
        "samples": share.samples,
        "seconds": round(share.seconds, 3),
        "percent": round(share.percent, 2),
    }
    if share.location:
        out["location"] = share.location
    return out


def _series(series: Series) -> dict[str, Any]:
    return series.to_json()


def document(analysis: CpuAnalysis) -> dict[str, Any]:
    b = analysis.breakdown
    doc: dict[str, Any] = {
        "format": SCHEMA,
        "sources": [{"source": s, "kind": k} for s, k in analysis.sources],
        "config": analysis.config,
        "samples": b.samples if b else None,
        "cpu_seconds": round(b.seconds, 3) if b else None,
        "duration_seconds": round(b.duration_seconds, 3) if b else None,
        "dominant": b.dominant if b else None,
        "categories": [
            {
                "name": c.name,
                "title": _TITLES[c.name],
                "samples": c.samples,
                "seconds": round(c.seconds, 3),
                "percent": round(c.percent, 2),
                "functions": [_share(s) for s in c.functions],
                "call_sites": [_share(s) for s in c.call_sites],
            }
            for c in (b.categories if b else [])
        ],
        "user_functions": [_share(s) for s in b.user_functions] if b else [],
        "user_packages": [_share(s) for s in b.user_packages] if b else [],
        "verdicts": [
            {
                "id": v.id,
                "severity": v.severity.value,
                "title": v.title,
                "summary": v.summary,
                "evidence": v.evidence,
                "explanation": v.explanation,
                "fix": v.fix,
                "confirm": list(v.confirm),
            }
            for v in analysis.verdicts
        ],
        "gc_not_the_problem": analysis.gc_not_the_problem,
        "schedtrace": None,
        "gctrace": None,
        "trace": None,
        "goroutines": None,
        "comparison": None,
        "notes": analysis.notes,
        "issues": [
            {"source": source, "line": i.line, "message": i.message, "text": i.text}
            for source, i in analysis.issues
        ],
        "exit_code": analysis.exit_code,
    }
    s = analysis.sched
    if s is not None:
        doc["schedtrace"] = {
            "samples": s.samples,
            "detailed": s.detailed,
            "gomaxprocs": s.gomaxprocs,
            "first_ms": s.first_ms,
            "last_ms": s.last_ms,
            "runnable": _series(s.runnable),
            "idle_procs": _series(s.idleprocs),
            "threads": _series(s.threads),
            "spinning_threads": _series(s.spinning),
            "statuses": [_series(x) for x in sorted(s.statuses.values(), key=lambda x: x.name)],
            "growing_statuses": [
                x.name for x in s.growing_statuses(analysis.thresholds.status_growth)
            ],
        }
    g = analysis.gc
    if g is not None:
        window = g.window_cpu_percent
        rate = g.per_second
        doc["gctrace"] = {
            "cycles": g.cycles,
            "forced": g.forced,
            "first_seconds": g.first_seconds,
            "last_seconds": g.last_seconds,
            "procs": g.procs,
            "gc_cpu_percent": g.latest_cpu_percent,
            "window_gc_cpu_percent": round(window, 2) if window is not None else None,
            "gcs_per_second": round(rate, 3) if rate is not None else None,
            "cpu_percent": _series(g.cpu_percent),
            "heap_live_mb": _series(g.heap_live),
            "heap_goal_mb": _series(g.heap_goal),
        }
    t = analysis.trace
    if t is not None:
        doc["trace"] = {
            "source": t.source,
            "duration_seconds": t.duration_seconds,
            "blocking": {
                kind: {
                    "meaning": block.meaning,
                    "seconds": round(block.seconds, 3),
                    "events": block.events,
                    "mean_ms": round(block.mean_ms, 3),
                    "sites": [
                        {
                            "site": site.site,
                            "location": site.location,
                            "seconds": round(site.seconds, 3),
                            "percent": round(site.percent, 2),
                            "events": site.events,
                        }
                        for site in block.sites
                    ],
                    "top_stacks": [
                        {"seconds": round(sec, 3), "stack": stack}
                        for sec, stack in block.top_stacks
                    ],
                }
                for kind, block in t.blocking.items()
            },
        }
    gr = analysis.goroutines
    if gr is not None:
        doc["goroutines"] = {
            "before": gr.before,
            "after": gr.after,
            "waiting_for_request_before": gr.waiting_for_request_before,
            "waiting_for_request_after": gr.waiting_for_request_after,
        }
    c = analysis.comparison
    if c is not None:
        doc["comparison"] = {
            "base": c.base_source,
            "base_samples": c.base_samples,
            "categories": [
                {
                    "name": d.name,
                    "base_percent": round(d.base_percent, 2),
                    "percent": round(d.percent, 2),
                    "points": round(d.points, 2),
                }
                for d in c.categories
            ],
            "functions": [
                {
                    "name": d.name,
                    "base_percent": round(d.base_percent, 2),
                    "percent": round(d.percent, 2),
                    "points": round(d.points, 2),
                }
                for d in c.functions
            ],
        }
    return doc


def render(analysis: CpuAnalysis, out: TextIO) -> None:
    json.dump(document(analysis), out, indent=2)
    out.write("\n")
