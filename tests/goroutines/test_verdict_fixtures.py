"""Verdicts on live captures, in both directions: healthy programs get no suspect in any format,
growth between two snapshots names the leaks that one snapshot cannot, slow clients are named
from one snapshot, and a test binary's timeout dump names the goroutines that hung it.

Marks in the Go programs (``// leak: NAME``, ``// by design: NAME``) hold the expectations.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from test_leak_fixtures import BY_DESIGN_MARK, analyse_cli, capture_dumps, settle
from test_leak_fixtures import file_marks as marks

GO = Path(__file__).parents[1] / "go"
FORMATS = ["debug2.txt", "debug1.txt", "debug0.pb.gz"]


def sites(result: dict) -> set[tuple[str, int]]:
    return {
        (s["location"]["file"], s["location"]["line"]) for s in result["suspects"] if s["location"]
    }


GROWTH = GO / "cmd" / "growth" / "main.go"
HEALTHY = GO / "cmd" / "healthy" / "main.go"


def _request(app: str, path: str) -> int:
    with httpx.Client(timeout=10) as client:
        return client.get(app + path, headers={"Connection": "close"}).status_code


@pytest.fixture(scope="module")
def growth_capture(go_program, tmp_path_factory):
    """Snapshot A: 10 leaked watchers, a lock left held. Snapshot B, a second later: 20
    watchers, 3 handlers on the lock, 200 clients that sent half a request header."""
    first, second = tmp_path_factory.mktemp("growth-a"), tmp_path_factory.mktemp("growth-b")
    held: list[socket.socket] = []
    with go_program("growth", "-lifetime=90s") as prog:
        app = prog.url("app")
        url = httpx.URL(app)
        try:
            assert _request(app, "update?fail=1") == 400
            for _ in range(10):
                assert _request(app, "watch") == 200
            settle(prog.url("pprof"), minimum=10)
            a = capture_dumps(prog.url("pprof"), first)
            for _ in range(10):
                assert _request(app, "watch") == 200
            for _ in range(3):
                held.append(socket.create_connection((url.host, url.port), timeout=10))
                held[-1].sendall(b"GET /update HTTP/1.1\r\nHost: fixture\r\n\r\n")
            for _ in range(200):
                held.append(socket.create_connection((url.host, url.port), timeout=10))
                held[-1].sendall(b"GET /watch HTTP/1.1\r\nHost: fixture\r\nX-Slow: ")
            settle(prog.url("pprof"), minimum=225)  # each connection at its read or the lock
            b = capture_dumps(prog.url("pprof"), second)
            yield a, b
        finally:
            for sock in held:
                sock.close()


@pytest.mark.parametrize("name", FORMATS)
def test_one_snapshot_names_only_the_slow_clients(growth_capture, capsys, name):
    _, b = growth_capture
    code, result = analyse_cli(capsys, str(b[name]))
    assert code == 1
    (suspect,) = result["suspects"]
    assert suspect["pattern"] == "server-without-timeouts"
    assert suspect["count"] >= 200
    (slow,) = [e for e in suspect["evidence"] if e["code"] == "slow-clients"]
    assert slow["text"].startswith(f"{suspect['count']} connections are reading a request")
    if name == "debug2.txt":
        # Creator ids tie the connections to the accept loop the program started.
        assert sites(result) == {marks(GROWTH)["slow-clients"]}
        assert f"main.go:{marks(GROWTH)['slow-clients'][1]}" in slow["text"]
    else:
        assert "cannot tell which of the 2 servers" in slow["text"]


@pytest.mark.parametrize("name", FORMATS)
def test_first_snapshot_alone_accuses_nobody(growth_capture, capsys, name):
    a, _ = growth_capture
    code, result = analyse_cli(capsys, str(a[name]))
    assert (code, result["suspects"]) == (0, [])


@pytest.mark.parametrize(
    ("base", "current"),
    [
        ("debug2.txt", "debug2.txt"),
        ("debug1.txt", "debug1.txt"),
        ("debug0.pb.gz", "debug0.pb.gz"),
        ("debug1.txt", "debug2.txt"),
        ("debug0.pb.gz", "debug1.txt"),
    ],
)
def test_growth_names_the_per_request_leaks(growth_capture, capsys, base, current):
    a, b = growth_capture
    code, result = analyse_cli(capsys, str(b[current]), "--base", str(a[base]))
    assert code == 1
    expected = marks(GROWTH)
    if current != "debug2.txt":
        del expected["slow-clients"]  # which server owns them takes creator ids
    assert sites(result) == set(expected.values())
    by_line = {s["location"]["line"]: s for s in result["suspects"] if s["location"]}
    for name, delta, weight in [
        ("per-request-select", 10, "medium"),
        ("lock-never-released", 3, "high"),
    ]:
        suspect = by_line[expected[name][1]]
        (grew,) = [e for e in suspect["evidence"] if e["code"] == "growth"]
        assert grew["weight"] == weight
        assert f"(+{delta})" in grew["text"] and "per minute" in grew["text"]
    for line in result["growth"]:
        assert "/src/runtime/" not in line["location"] and "netpoll" not in line["location"]
    read_ahead = [g for g in result["growth"] if g["location"].endswith("backgroundRead")]
    assert all(g["by_design"] for g in read_ahead)
    if base != current:
        assert result["growth_compared_by"] == ["blocking site", "net/http phase"]
        note = "compared by blocking site and net/http phase only"
        assert any(note in n for n in result["notes"])


def test_source_evidence_names_the_rule(growth_capture, capsys):
    a, b = growth_capture
    _, result = analyse_cli(capsys, str(b["debug2.txt"]), "--base", str(a["debug2.txt"]))
    line = marks(GROWTH)["lock-never-released"][1]
    (lock,) = [s for s in result["suspects"] if s["location"]["line"] == line]
    assert [e["rule"] for e in lock["evidence"] if e["code"] == "static-finding"] == ["GT205"]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--growth-min", "11"], {"slow-clients"}),  # +10 and +3 no longer count
        (["--min-count", "11"], {"slow-clients", "lock-never-released"}),  # +10 at a select
        # Fewer slow clients than the threshold, but they grew by 200: still named.
        (["--slow-clients", "201"], {"slow-clients", "per-request-select", "lock-never-released"}),
        (["--growth-rate", "100000"], {"slow-clients"}),
        (["--growth-rate", "1", "--interval", "1h"], {"slow-clients"}),  # +10 an hour is slow
        ([], {"slow-clients", "per-request-select", "lock-never-released"}),
    ],
)
def test_growth_thresholds(growth_capture, capsys, options, named):
    a, b = growth_capture
    _, result = analyse_cli(
        capsys, str(b["debug2.txt"]), "--base", str(a["debug2.txt"]), "--growth-rate", "1", *options
    )
    assert sites(result) == {marks(GROWTH)[name] for name in named}


def test_growth_settings_file(growth_capture, capsys, tmp_path, monkeypatch):
    a, b = growth_capture
    settings = "[goroutines]\ngrowth-min = 11\ngrowth_per_minute = 2\n"
    (tmp_path / ".gotriage.toml").write_text(settings)
    monkeypatch.chdir(tmp_path)
    _, result = analyse_cli(capsys, str(b["debug2.txt"]), "--base", str(a["debug2.txt"]))
    assert result["settings"]["growth_min"] == 11
    assert result["settings"]["growth_per_minute"] == 2.0
    assert sites(result) == {marks(GROWTH)["slow-clients"]}


@pytest.fixture(scope="module")
def healthy_capture(go_program, tmp_path_factory):
    out = tmp_path_factory.mktemp("healthy")
    with go_program("healthy", "-lifetime=90s") as prog:
        settle(prog.url("pprof"), minimum=12 + 30 + 2 * 40)
        first = capture_dumps(prog.url("pprof"), out)
        time.sleep(1.0)
        settle(prog.url("pprof"), minimum=12 + 30 + 2 * 40)
        second = capture_dumps(prog.url("pprof"), tmp_path_factory.mktemp("healthy-later"))
        yield first, second


@pytest.mark.parametrize("name", FORMATS)
def test_healthy_service_has_no_suspect(healthy_capture, capsys, name):
    files, _ = healthy_capture
    code, result = analyse_cli(capsys, str(files[name]))
    assert (code, result["suspects"]) == (0, [])
    reasons = {g["by_design"] for g in result["groups"] if g["by_design"]}
    assert "main goroutine parked for the life of the process (select {})" in reasons
    writer = "per-connection writer waiting for data to send"
    assert any(r.startswith(writer) for r in reasons), [
        (g["count"], g["kind"], g["blocking_site"], g["by_design"]) for g in result["groups"]
    ]
    # The labelled workers are not "pprof serving this dump": they wait in their own code.
    workers = marks(HEALTHY, BY_DESIGN_MARK)["labelled-worker"][1]
    (group,) = [g for g in result["groups"] if (g["blocking_site"] or {}).get("line") == workers]
    assert group["by_design"] is None and group["count"] == 12
    for mark, (_, line) in marks(HEALTHY, BY_DESIGN_MARK).items():
        at = [g for g in result["groups"] if (g["blocking_site"] or {}).get("line") == line]
        assert at, (mark, result["groups"])


def test_healthy_service_without_its_source_in_debug1(healthy_capture, capsys, tmp_path):
    """debug=1 with the source elsewhere: kinds unknown, and still nobody accused."""
    files, _ = healthy_capture
    text = files["debug1.txt"].read_text().replace(str(HEALTHY), "/elsewhere/healthy/main.go")
    moved = tmp_path / "debug1.txt"
    moved.write_text(text)
    code, result = analyse_cli(capsys, str(moved))
    assert (code, result["suspects"]) == (0, [])
    unknown = [g for g in result["groups"] if g["kind"] == "unknown" and g["count"] >= 10]
    assert unknown, "the watch streams' select is unknown without runtime frames or source"


@pytest.mark.parametrize(
    ("base", "current"),
    [("debug2.txt", "debug2.txt"), ("debug1.txt", "debug2.txt"), ("debug0.pb.gz", "debug1.txt")],
)
def test_healthy_service_has_no_growth(healthy_capture, capsys, base, current):
    first, second = healthy_capture
    code, result = analyse_cli(capsys, str(second[current]), "--base", str(first[base]))
    assert (code, result["suspects"]) == (0, [])
    assert all(g["delta"] <= 1 for g in result["growth"]), result["growth"]


def test_test_timeout_dump_names_the_hung_goroutines(stuck_test_bin, tmp_path, capsys):
    """``go test -timeout 2s`` on a test that hangs in package code, captured for real."""
    done = subprocess.run(
        [str(stuck_test_bin), "-test.timeout=2s"],
        capture_output=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode != 0 and b"panic: test timed out after 2s" in done.stderr
    dump = tmp_path / "go-test.log"
    dump.write_bytes(done.stdout + done.stderr)
    code, result = analyse_cli(capsys, str(dump))
    assert code == 1
    assert sites(result) == set(marks(GO / "stuck" / "stuck.go").values())
    for suspect in result["suspects"]:
        (evidence,) = [e for e in suspect["evidence"] if e["code"] == "test-timeout"]
        assert "TestGatherHangs" in evidence["text"] and evidence["weight"] == "high"
    reasons = {g["by_design"] for g in result["groups"]}
    assert "testing machinery" in reasons  # goroutine 1 waiting in testing.(*T).Run


@pytest.mark.parametrize("query", ["goroutine?debug=2", "goroutine?debug=1"])
def test_healthy_service_built_with_go121_has_no_suspect(old_go_bin, capsys, tmp_path, query):
    """Real dumps of an older release (no leak profile, older stack shapes)."""
    from gotriage import gotool

    with gotool.run_program(old_go_bin / "healthy", ["-lifetime=60s"]) as prog:
        settle(prog.url("pprof"), minimum=12 + 30 + 2 * 40)
        dump = tmp_path / "dump.txt"
        dump.write_bytes(httpx.get(prog.url("pprof") + query, timeout=30).content)
    code, result = analyse_cli(capsys, str(dump))
    assert (code, result["suspects"]) == (0, [])
