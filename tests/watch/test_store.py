"""The history file: migrations, one transaction per round, pruning, and its errors."""

from __future__ import annotations

import sqlite3

import pytest

from gotriage.watch.store import SCHEMA_VERSION, SiteInfo, Store, StoreError

SITE = SiteInfo("main.go:10", "main.leak", "/src/main.go", 10, "chan send", "main.main", None)


def fill(store: Store, times, counts=5) -> int:
    with store.transaction():
        target = store.target_id("http://t/debug/pprof/", {"service": "x"}, times[0])
        site = store.site_id(target, SITE)
        for at in times:
            store.add_sample(
                target,
                at=at,
                total=10,
                fetch_seconds=0.01,
                format="protobuf",
                error=None,
                series=1,
                counts=[(site, counts)],
            )
    return target


def test_new_file_gets_every_migration_in_wal_mode(tmp_path):
    store = Store(tmp_path / "w.db")
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_an_older_schema_is_migrated(tmp_path):
    path = tmp_path / "w.db"
    db = sqlite3.connect(path)
    from gotriage.watch.store import MIGRATIONS

    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = Store(path)
    columns = {row[1] for row in store.db.execute("PRAGMA table_info(samples)")}
    assert "resolution" in columns
    store.close()


def test_other_sqlite_files_are_refused(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="not a gotriage history"):
        Store(path)
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        Store(tmp_path / "junk.db")


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "w.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_locked_database_is_a_clear_error(tmp_path):
    path = tmp_path / "w.db"
    store = Store(path)
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    store.db.execute("PRAGMA busy_timeout = 100")
    with pytest.raises(StoreError, match="locked"), store.transaction():
        pass
    other.execute("ROLLBACK")
    store.close()


def test_full_disk_is_a_clear_error(tmp_path):
    store = Store(tmp_path / "w.db")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(StoreError, match="full"):
        fill(store, [float(i) for i in range(5000)])
    store.close()


def test_read_only_history(tmp_path):
    path = tmp_path / "w.db"
    fill(Store(path), [1.0])
    reader = Store(path, readonly=True)
    with pytest.raises(StoreError, match="read-only"), reader.transaction():
        reader.db.execute("DELETE FROM samples")
    with pytest.raises(Exception, match="no such file"):
        Store(tmp_path / "missing.db", readonly=True)


def test_prune_thins_old_samples_then_drops_them(tmp_path):
    store = Store(tmp_path / "w.db")
    day = 86400.0
    now = 10 * day
    # One sample a minute over the last three days.
    fill(store, [now - 3 * day + 60 * i for i in range(3 * 24 * 60)])
    with store.transaction():
        store.prune(now, retention=2 * day, downsample_after=day, bucket=600)
    rows = store.db.execute("SELECT time, resolution FROM samples ORDER BY time").fetchall()
    assert min(t for t, _ in rows) >= now - 2 * day
    old = [t for t, r in rows if t < now - day]
    assert old and all(r == "downsampled" for t, r in rows if t < now - day)
    assert len(old) == pytest.approx(24 * 6, abs=2)  # one per 10 minutes
    assert sum(1 for t, _ in rows if t >= now - day) == 24 * 60
    # Counts went with their samples.
    orphans = store.db.execute(
        "SELECT count(*) FROM site_counts WHERE sample_id NOT IN (SELECT id FROM samples)"
    ).fetchone()[0]
    assert orphans == 0
    store.close()
