"""`gotriage history --format json`: schema ``gotriage.history/1`` (fields in the README)."""

from __future__ import annotations

import json
from typing import TextIO

from gotriage.watch.alerts import iso
from gotriage.watch.history import History


def as_dict(history: History) -> dict[str, object]:
    return {
        "schema": "gotriage.history/1",
        "db": history.path,
        "targets": [
            {
                "url": t.url,
                "labels": t.labels,
                "first_seen": iso(t.first_seen),
                "last_seen": iso(t.last_seen),
                "samples": t.samples,
                "errors": t.errors,
                "goroutines": t.last_total,
                "restarts": [{"time": iso(at), "reason": why} for at, why in t.restarts],
            }
            for t in history.targets
        ],
        "sites": [
            {
                "target": s.target,
                "site": s.key,
                "function": s.function,
                "file": s.file,
                "line": s.line,
                "kind": s.kind,
                "creator": s.creator,
                "by_design": s.by_design,
                "goroutines": s.last,
                "peak": s.peak,
                "series": [
                    {"time": iso(at), "count": count, "series": series}
                    for at, count, series in s.points
                ],
            }
            for s in history.sites
        ],
        "alerts": [
            {
                "target": a.target,
                "site": a.site,
                "function": a.function,
                "kind": a.kind,
                "state": a.state,
                "started": iso(a.started),
                "ended": iso(a.ended) if a.ended is not None else None,
                "evidence": a.evidence,
            }
            for a in history.alerts
        ],
    }


def render(history: History, out: TextIO) -> None:
    json.dump(as_dict(history), out, indent=2)
    out.write("\n")
