"""Reading the watch history back: targets, sites with their series, alerts, restarts.

Plain queries over :class:`~gotriage.watch.store.Store` returning data for the renderers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from gotriage.watch.store import SiteInfo, Store

MAX_SERIES_POINTS = 240


@dataclass(frozen=True, slots=True)
class SiteHistory(SiteInfo):
    """A site as the watch stored it, with the target it belongs to and its counts over time."""

    target: str = ""
    points: list[tuple[float, int, int]] = field(default_factory=list)  # (time, count, series)

    @property
    def last(self) -> int:
        return self.points[-1][1] if self.points else 0

    @property
    def peak(self) -> int:
        return max((p[1] for p in self.points), default=0)


@dataclass
class AlertRecord:
    target: str
    site: str
    function: str
    kind: str
    started: float
    ended: float | None
    state: str
    evidence: dict[str, object]


@dataclass
class TargetHistory:
    url: str
    labels: dict[str, str]
    first_seen: float
    last_seen: float
    samples: int
    errors: int
    last_total: int | None
    restarts: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class History:
    path: str
    targets: list[TargetHistory]
    sites: list[SiteHistory]
    alerts: list[AlertRecord]

    @property
    def open_alerts(self) -> list[AlertRecord]:
        return [a for a in self.alerts if a.ended is None]


def _thin(points: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    if len(points) <= MAX_SERIES_POINTS:
        return points
    step = len(points) / MAX_SERIES_POINTS
    return [points[int(i * step)] for i in range(MAX_SERIES_POINTS - 1)] + [points[-1]]


def read_history(
    store: Store,
    *,
    target: str | None = None,
    since: float | None = None,
    site: str | None = None,
    include_by_design: bool = True,
) -> History:
    db = store.db
    since = since if since is not None else float("-inf")
    where, params = "", []
    if target:
        where, params = " WHERE t.url LIKE ?", [f"%{target}%"]
    targets: list[TargetHistory] = []
    ids: dict[int, str] = {}
    for tid, url, labels, first, last in db.execute(
        f"SELECT t.id, t.url, t.labels, t.first_seen, t.last_seen FROM targets t{where}"
        " ORDER BY t.url",
        params,
    ):
        ids[tid] = url
        samples, errors = db.execute(
            "SELECT count(*), count(error) FROM samples WHERE target_id = ? AND time >= ?",
            (tid, since),
        ).fetchone()
        row = db.execute(
            "SELECT total FROM samples WHERE target_id = ? AND error IS NULL"
            " ORDER BY time DESC LIMIT 1",
            (tid,),
        ).fetchone()
        history = TargetHistory(
            url, json.loads(labels), first, last, samples, errors, row[0] if row else None
        )
        history.restarts = list(
            db.execute(
                "SELECT time, reason FROM restarts WHERE target_id = ? AND time >= ? ORDER BY time",
                (tid, since),
            )
        )
        targets.append(history)
    sites: list[SiteHistory] = []
    for sid, tid, key, function, file, line, kind, creator, by_design in db.execute(
        "SELECT id, target_id, key, function, file, line, kind, creator, by_design FROM sites"
        " ORDER BY id"
    ):
        if tid not in ids or (site and site not in key and site not in (function or "")):
            continue
        if by_design is not None and not include_by_design:
            continue
        points = list(
            db.execute(
                "SELECT s.time, c.count, s.series FROM site_counts c"
                " JOIN samples s ON s.id = c.sample_id"
                " WHERE c.site_id = ? AND s.time >= ? ORDER BY s.time",
                (sid, since),
            )
        )
        if not points:
            continue
        sites.append(
            SiteHistory(
                key,
                function or "",
                file or "",
                line or 0,
                kind or "",
                creator or "",
                by_design,
                target=ids[tid],
                points=_thin(points),
            )
        )
    sites.sort(key=lambda s: (s.by_design is not None, -s.last, s.key))
    alerts: list[AlertRecord] = []
    for tid, key, function, kind, started, ended, state, evidence in db.execute(
        "SELECT a.target_id, s.key, s.function, s.kind, a.started, a.ended, a.state, a.evidence"
        " FROM alerts a JOIN sites s ON s.id = a.site_id"
        " WHERE a.ended IS NULL OR a.ended >= ? ORDER BY a.started",
        (since,),
    ):
        if tid not in ids or (site and site not in key and site not in (function or "")):
            continue
        alerts.append(
            AlertRecord(
                ids[tid],
                key,
                function or "",
                kind or "",
                started,
                ended,
                state,
                json.loads(evidence),
            )
        )
    return History(store.path, targets, sites, alerts)
