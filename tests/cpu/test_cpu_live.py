"""gotriage cpu on live Go programs that burn CPU in each way: the dominant category and the
verdicts, from profiles, schedtrace/gctrace logs and execution traces captured on the spot."""

from __future__ import annotations

import pytest

from gotriage import fetch
from gotriage.errors import FetchError
from gotriage.knowledge.cpu_categories import READING_REQUESTS

# mode -> (dominant category, verdicts that must fire, verdicts that must not)
PROFILE_CASES = [
    ("gc", "gc", {"gc-pressure"}, {"connection-churn", "hot-user-code"}),
    ("scheduler", "scheduler", {"scheduler-thrash"}, {"gc-pressure", "connection-churn"}),
    ("user", "user", {"hot-user-code"}, {"gc-pressure", "scheduler-thrash"}),
    ("locks", "locks", {"lock-contention"}, {"gc-pressure", "connection-churn"}),
    ("churn", "network", {"connection-churn"}, {"gc-pressure"}),
    ("churn-timeouts", "network", set(), {"connection-churn"}),
]


@pytest.mark.parametrize(("mode", "dominant", "fires", "absent"), PROFILE_CASES)
def test_live_profile(cpuburn, burn, cpu_cli, mode, dominant, fires, absent):
    # 3 s for the churn modes: the held connections must have time to pile up (or not)
    seconds = "3" if mode.startswith("churn") else "2"
    with burn(cpuburn, mode) as prog:
        code, doc = cpu_cli(prog.url(), "--seconds", seconds)
    ids = {v["id"] for v in doc["verdicts"]}
    assert doc["samples"] >= 20, "the machine gave the program almost no CPU"
    assert doc["dominant"] == dominant, doc["categories"][:3]
    assert fires <= ids, doc["verdicts"]
    assert not (absent & ids), doc["verdicts"]
    assert doc["goroutines"]["before"] > 0
    assert code == (1 if fires else 0)
    categories = {c["name"]: c for c in doc["categories"]}
    assert sum(c["samples"] for c in categories.values()) == doc["samples"]
    assert categories[dominant]["percent"] >= 40


def test_churn_names_held_connections_and_the_fix(cpuburn, burn, cpu_cli):
    with burn(cpuburn, "churn") as prog:
        _, doc = cpu_cli(prog.url(), "--seconds", "3")
    churn = next(v for v in doc["verdicts"] if v["id"] == "connection-churn")
    assert churn["severity"] == "high"
    g = doc["goroutines"]
    assert g["waiting_for_request_after"] > g["waiting_for_request_before"]
    assert "ReadHeaderTimeout" in churn["fix"]
    assert any("gotriage probe" in c for c in churn["confirm"])
    assert doc["gc_not_the_problem"] is True


def test_quiet_service_gets_no_verdict(cpuburn, burn, cpu_cli):
    with burn(cpuburn, "quiet") as prog:
        code, doc = cpu_cli(prog.url(), "--seconds", "1")
    assert code == 0 and doc["verdicts"] == []
    assert doc["samples"] < 20


def test_trace_blocking_by_site(cpuburn, burn, cpu_cli):
    with burn(cpuburn, "churn-timeouts", "-workers=1") as prog:
        _, doc = cpu_cli(prog.url(), "--seconds", "1", "--trace")
    trace = doc["trace"]
    assert set(trace["blocking"]) == {"net", "sync", "syscall", "sched"}
    net = trace["blocking"]["net"]
    assert net["seconds"] > 0
    assert READING_REQUESTS in {s["site"] for s in net["sites"]}
    assert any("tracer" in note for note in doc["notes"]) or doc["samples"] >= 0


def test_profile_files_and_base_comparison(cpuburn, burn, cpu_cli, tmp_path):
    files = {}
    for mode in ("user", "gc"):
        with burn(cpuburn, mode) as prog:
            data = fetch.fetch_bytes(
                fetch.pprof_url(prog.url(), "profile", "seconds=1"), timeout=60
            )
        files[mode] = tmp_path / f"{mode}.pb.gz"
        files[mode].write_bytes(data)
    _, doc = cpu_cli(str(files["gc"]), "--base", str(files["user"]))
    deltas = {d["name"]: d["points"] for d in doc["comparison"]["categories"]}
    assert deltas["gc"] > 20 and deltas["user"] < -20
    assert doc["comparison"]["functions"][0]["points"] > 0
    assert doc["sources"] == [{"source": str(files["gc"]), "kind": "profile"}]


def test_logs_gc_pressure_and_gc_not_the_problem(cpuburn, log_of, cpu_cli, tmp_path):
    gc_log = log_of(cpuburn, "gc", tmp_path / "gc.log", seconds=2, godebug="gctrace=1")
    code, doc = cpu_cli(str(gc_log))
    assert code == 1 and {v["id"] for v in doc["verdicts"]} == {"gc-pressure"}
    assert doc["gctrace"]["cycles"] >= 3 and doc["gctrace"]["gcs_per_second"] > 0
    assert doc["gc_not_the_problem"] is False
    user_log = log_of(
        cpuburn, "user", tmp_path / "user.log", seconds=2, godebug="schedtrace=200,gctrace=1"
    )
    code, doc = cpu_cli(str(user_log))
    assert code == 0 and doc["verdicts"] == []
    assert doc["gctrace"]["cycles"] >= 2 and doc["schedtrace"]["samples"] >= 5
    assert doc["gc_not_the_problem"] is True


def test_logs_blocking_without_limit(cpuburn, log_of, cpu_cli, tmp_path):
    log = log_of(cpuburn, "avalanche", tmp_path / "a.log", seconds=3, godebug="schedtrace=200")
    code, doc = cpu_cli(str(log))
    verdict = next(v for v in doc["verdicts"] if v["id"] == "blocking-without-limit")
    assert code == 1 and verdict["severity"] in ("medium", "high")
    assert doc["schedtrace"]["threads"]["trend"] == "rising"


def test_scheddetail_names_the_growing_status(cpuburn, log_of, cpu_cli, tmp_path):
    log = log_of(
        cpuburn, "churn", tmp_path / "d.log", seconds=3, godebug="schedtrace=250,scheddetail=1"
    )
    _, doc = cpu_cli(str(log))
    assert doc["schedtrace"]["detailed"] is True
    assert "waiting (IO wait)" in doc["schedtrace"]["growing_statuses"]


def test_a_trace_that_cannot_be_fetched_is_a_note(cpuburn, burn, cpu_cli, monkeypatch):
    real = fetch.fetch_bytes

    def no_trace(url, **kwargs):
        if "/trace?" in url:
            raise FetchError(f"{url} answered 404")
        return real(url, **kwargs)

    monkeypatch.setattr(fetch, "fetch_bytes", no_trace)
    with burn(cpuburn, "quiet") as prog:
        code, doc = cpu_cli(prog.url(), "--seconds", "1", "--trace")
    assert code == 0 and doc["trace"] is None
    assert any(note.startswith("no execution trace") for note in doc["notes"])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "category", "verdict"),
    [("gc", "gc", "gc-pressure"), ("locks", "locks", "lock-contention")],
)
def test_go_1_21_profiles_by_anchors_not_leaves(old_go_bin, burn, cpu_cli, mode, category, verdict):
    # Go 1.21 marks in scanobject and locks in sync.(*Mutex).lockSlow; 1.27 in scanObjectSmall
    # and internal/sync: the same anchors must find them. (Go 1.21's allocator costs more
    # relative to its collector, so allocation may come first there.)
    with burn(old_go_bin / "cpuburn", mode) as prog:
        _, doc = cpu_cli(prog.url(), "--seconds", "2")
    assert doc["samples"] >= 20, "the machine gave the program almost no CPU"
    shares = {c["name"]: c["percent"] for c in doc["categories"]}
    assert shares[category] >= 25, doc["categories"][:3]
    assert verdict in {v["id"] for v in doc["verdicts"]}
