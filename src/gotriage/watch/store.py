"""The watch history: one SQLite file, written by ``gotriage watch``, read by ``history``.

SQLite is the file format. ``PRAGMA user_version`` numbers the schema and each migration is a
small function run once, in order, inside one transaction. WAL mode lets ``history`` (or a
second reader) read while ``watch`` writes. Every sample round is one transaction, so a
``kill -9`` loses at most the round in flight.

Tables (times are Unix seconds):

``targets``      id, url, labels (JSON object), first_seen, last_seen
``samples``      id, target_id, time, total, fetch_seconds, format, error, series, resolution
``sites``        id, target_id, key, function, file, line, kind, creator, by_design
``site_counts``  sample_id, site_id, count
``alerts``       id, target_id, site_id, started, ended, state, evidence (JSON object)
``restarts``     id, target_id, time, reason

``series`` numbers a target's process lifetimes: it goes up by one at each detected restart, so
counts of two processes are never compared. ``resolution`` is ``raw`` for samples as taken and
``downsampled`` for those kept when older samples are thinned.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gotriage.errors import GotriageError, InputError


class StoreError(GotriageError):
    """The history database cannot be used: locked, read-only, full, not a gotriage DB."""


def _script(db: sqlite3.Connection, script: str) -> None:
    # Statement by statement: executescript would commit the migration's transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE targets (
            id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, labels TEXT NOT NULL DEFAULT '{}',
            first_seen REAL NOT NULL, last_seen REAL NOT NULL);
        CREATE TABLE samples (
            id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL REFERENCES targets(id),
            time REAL NOT NULL, total INTEGER, fetch_seconds REAL, format TEXT, error TEXT,
            series INTEGER NOT NULL DEFAULT 1);
        CREATE TABLE sites (
            id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL REFERENCES targets(id),
            key TEXT NOT NULL, function TEXT, file TEXT, line INTEGER, kind TEXT, creator TEXT,
            by_design TEXT, UNIQUE (target_id, key));
        CREATE TABLE site_counts (
            sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
            site_id INTEGER NOT NULL REFERENCES sites(id), count INTEGER NOT NULL,
            PRIMARY KEY (sample_id, site_id)) WITHOUT ROWID;
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL REFERENCES targets(id),
            site_id INTEGER NOT NULL REFERENCES sites(id), started REAL NOT NULL, ended REAL,
            state TEXT NOT NULL, evidence TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE restarts (
            id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL REFERENCES targets(id),
            time REAL NOT NULL, reason TEXT NOT NULL);
        """,
    )


def _v2(db: sqlite3.Connection) -> None:
    # History reads samples of one target by time, and counts of one site over time.
    _script(
        db,
        """
        ALTER TABLE samples ADD COLUMN resolution TEXT NOT NULL DEFAULT 'raw';
        CREATE INDEX samples_by_target_time ON samples (target_id, time);
        CREATE INDEX site_counts_by_site ON site_counts (site_id);
        CREATE INDEX alerts_open ON alerts (target_id, site_id) WHERE ended IS NULL;
        """,
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    key: str
    function: str
    file: str
    line: int
    kind: str
    creator: str
    by_design: str | None


@contextmanager
def _errors(path: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise StoreError(f"{path}: the database is locked by another writer") from None
        if "readonly" in text or "read-only" in text:
            raise StoreError(f"{path}: the database is read-only") from None
        if "disk is full" in text or "full" in text:
            raise StoreError(f"{path}: the disk is full") from None
        raise StoreError(f"{path}: {text}") from None
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a gotriage history database ({exc})") from None


class Store:
    """The open history database. Not thread-safe: one owner calls it."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = str(path)
        if readonly and not Path(path).is_file():
            raise InputError("no such file", source=self.path)
        uri = f"file:{Path(path).resolve()}{'?mode=ro' if readonly else ''}"
        with _errors(self.path):
            try:
                self.db = sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None)
            except sqlite3.OperationalError as exc:
                raise StoreError(f"{self.path}: cannot open: {exc}") from None
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA busy_timeout = 5000")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: schema version {version} is newer than this gotriage "
                    f"({SCHEMA_VERSION}); upgrade gotriage"
                )
            if not readonly:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self._migrate(version)
            elif version < SCHEMA_VERSION:
                raise StoreError(f"{self.path}: not a gotriage history database (or too old)")

    def _migrate(self, version: int) -> None:
        if version == 0 and self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{self.path}: an SQLite file that is not a gotriage history")
        for number, migration in enumerate(MIGRATIONS[version:], version + 1):
            with self.transaction():
                migration(self.db)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with _errors(self.path):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def close(self) -> None:
        with _errors(self.path):
            self.db.close()

    # --- writing ---------------------------------------------------------------------------

    def target_id(self, url: str, labels: dict[str, str], now: float) -> int:
        db = self.db
        row = db.execute("SELECT id FROM targets WHERE url = ?", (url,)).fetchone()
        encoded = json.dumps(labels, sort_keys=True)
        if row is None:
            cur = db.execute(
                "INSERT INTO targets (url, labels, first_seen, last_seen) VALUES (?, ?, ?, ?)",
                (url, encoded, now, now),
            )
            return int(cur.lastrowid or 0)
        db.execute(
            "UPDATE targets SET labels = ?, last_seen = ? WHERE id = ?", (encoded, now, row[0])
        )
        return int(row[0])

    def site_id(self, target_id: int, site: SiteInfo) -> int:
        db = self.db
        row = db.execute(
            "SELECT id FROM sites WHERE target_id = ? AND key = ?", (target_id, site.key)
        ).fetchone()
        values = (site.function, site.file, site.line, site.kind, site.creator, site.by_design)
        if row is None:
            cur = db.execute(
                "INSERT INTO sites (target_id, key, function, file, line, kind, creator,"
                " by_design) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (target_id, site.key, *values),
            )
            return int(cur.lastrowid or 0)
        # Richer formats (debug=2) fill in what protobuf samples leave empty.
        db.execute(
            "UPDATE sites SET function = coalesce(nullif(?, ''), function),"
            " file = coalesce(nullif(?, ''), file), line = coalesce(nullif(?, 0), line),"
            " kind = coalesce(nullif(?, ''), kind), creator = coalesce(nullif(?, ''), creator),"
            " by_design = ? WHERE id = ?",
            (*values, row[0]),
        )
        return int(row[0])

    def add_sample(
        self,
        target_id: int,
        *,
        at: float,
        total: int | None,
        fetch_seconds: float | None,
        format: str | None,
        error: str | None,
        series: int,
        counts: Iterable[tuple[int, int]] = (),
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO samples (target_id, time, total, fetch_seconds, format, error, series)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (target_id, at, total, fetch_seconds, format, error, series),
        )
        sample_id = int(cur.lastrowid or 0)
        self.db.executemany(
            "INSERT INTO site_counts (sample_id, site_id, count) VALUES (?, ?, ?)",
            [(sample_id, site, count) for site, count in counts],
        )
        return sample_id

    def add_restart(self, target_id: int, at: float, reason: str) -> None:
        self.db.execute(
            "INSERT INTO restarts (target_id, time, reason) VALUES (?, ?, ?)",
            (target_id, at, reason),
        )

    def open_alert(self, target_id: int, site_id: int, at: float, evidence: dict) -> int:
        cur = self.db.execute(
            "INSERT INTO alerts (target_id, site_id, started, state, evidence)"
            " VALUES (?, ?, ?, 'firing', ?)",
            (target_id, site_id, at, json.dumps(evidence, sort_keys=True)),
        )
        return int(cur.lastrowid or 0)

    def update_alert(self, alert_id: int, evidence: dict) -> None:
        self.db.execute(
            "UPDATE alerts SET evidence = ? WHERE id = ?",
            (json.dumps(evidence, sort_keys=True), alert_id),
        )

    def close_alert(self, alert_id: int, at: float, reason: str) -> None:
        row = self.db.execute("SELECT evidence FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        evidence = json.loads(row[0]) if row else {}
        evidence["resolved_because"] = reason
        self.db.execute(
            "UPDATE alerts SET ended = ?, state = 'resolved', evidence = ? WHERE id = ?",
            (at, json.dumps(evidence, sort_keys=True), alert_id),
        )

    def prune(self, now: float, *, retention: float, downsample_after: float, bucket: float) -> int:
        """Drop samples older than ``retention``; thin raw samples older than
        ``downsample_after`` to the last one per ``bucket`` seconds. Returns samples removed."""
        db = self.db
        removed = db.execute("DELETE FROM samples WHERE time < ?", (now - retention,)).rowcount
        cutoff = now - downsample_after
        # The last sample of each (target, series, bucket) stays, marked downsampled.
        db.execute(
            "UPDATE samples SET resolution = 'downsampled' WHERE resolution = 'raw' AND time < ?"
            " AND id IN (SELECT max(id) FROM samples WHERE resolution = 'raw' AND time < ?"
            " GROUP BY target_id, series, CAST(time / ? AS INTEGER))",
            (cutoff, cutoff, bucket),
        )
        removed += db.execute(
            "DELETE FROM samples WHERE resolution = 'raw' AND time < ?", (cutoff,)
        ).rowcount
        db.execute("DELETE FROM alerts WHERE ended IS NOT NULL AND ended < ?", (now - retention,))
        db.execute("DELETE FROM restarts WHERE time < ?", (now - retention,))
        return removed

    # --- reading ---------------------------------------------------------------------------

    def open_alerts(self, target_id: int) -> dict[int, tuple[int, float]]:
        """site_id -> (alert id, started) for the target's firing alerts."""
        rows = self.db.execute(
            "SELECT site_id, id, started FROM alerts WHERE target_id = ? AND ended IS NULL",
            (target_id,),
        )
        return {site: (alert, started) for site, alert, started in rows}

    def sites_of(self, target_id: int) -> list[tuple[int, SiteInfo]]:
        """(site id, site) of every site stored for the target."""
        rows = self.db.execute(
            "SELECT id, key, function, file, line, kind, creator, by_design FROM sites"
            " WHERE target_id = ?",
            (target_id,),
        )
        return [(site_id, SiteInfo(*rest)) for site_id, *rest in rows]

    def last_series(self, target_id: int) -> int:
        row = self.db.execute(
            "SELECT max(series) FROM samples WHERE target_id = ?", (target_id,)
        ).fetchone()
        return int(row[0] or 1)

    def recent_counts(
        self, target_id: int, since: float, series: int
    ) -> list[tuple[float, dict[int, int]]]:
        """(time, {site_id: count}) of the target's good samples in one series since ``since``."""
        rows = self.db.execute(
            "SELECT s.id, s.time, c.site_id, c.count FROM samples s"
            " LEFT JOIN site_counts c ON c.sample_id = s.id"
            " WHERE s.target_id = ? AND s.time >= ? AND s.series = ? AND s.error IS NULL"
            " ORDER BY s.time",
            (target_id, since, series),
        )
        out: dict[int, tuple[float, dict[int, int]]] = {}
        for sample, at, site, count in rows:
            entry = out.setdefault(sample, (at, {}))
            if site is not None:
                entry[1][site] = count
        return list(out.values())


def now() -> float:
    return time.time()
