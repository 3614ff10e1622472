"""`gotriage watch` on a real Go service: both leaks alert while they grow, nothing by design
does, bursts that drain do not, restarts do not, and a killed watch loses nothing stored.

One watch run (a module fixture) serves several tests: it watches the service under bounded
traffic while a real Prometheus scrapes its metrics, and posts alerts to a small receiver
standing in for Alertmanager and for a webhook.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gotriage import gotool
from gotriage.watch.store import Store

from .live import Receiver, WatchRun, free_port, marks, run_watch, traffic

WATCH = ("--interval", "0.3s", "--window", "12s", "--min-increase", "5", "--full-every", "5")


def leak_sites() -> set[tuple[str, int]]:
    m = marks()
    return {m["per-request-send"], m["lock-pileup"]}


def fired(events: list[dict]) -> set[tuple[str, int]]:
    sites = set()
    for event in events:
        if event["event"] == "firing":
            file, _, line = event["alert"]["site"].rpartition(":")
            sites.add((file, int(line)))
    return sites


def resolved(events: list[dict]) -> dict[str, str]:
    return {
        e["alert"]["site"]: e["alert"]["resolved_because"]
        for e in events
        if e["event"] == "resolved"
    }


FLEET = Path(__file__).parents[2] / "examples" / "fleet"
RULE_WINDOW = "6s"  # the printed rules, on the test's time scale


@contextlib.contextmanager
def prometheus(metrics_port: int, alertmanager: str, tmp: Path) -> Iterator[str | None]:
    """A real Prometheus run with the README's fleet configuration (examples/fleet): it finds
    the watch through a discovery file, loads the rules the watch prints, and sends alerts to
    ``alertmanager``. None when Prometheus is not installed."""
    binary = shutil.which("prometheus")
    if binary is None:
        yield None
        return
    config = tmp / "fleet"
    shutil.copytree(FLEET, config)
    # Every second instead of every 15: the test runs for seconds, not hours.
    text = (config / "prometheus.yml").read_text().replace("15s", "1s")
    (config / "prometheus.yml").write_text(text)
    (config / "watches.json").write_text(
        json.dumps([{"targets": [f"127.0.0.1:{metrics_port}"], "labels": {"node": "test"}}])
    )
    (config / "alertmanagers.json").write_text(
        json.dumps([{"targets": [alertmanager.removeprefix("http://")]}])
    )
    rules = subprocess.run(
        [
            sys.executable,
            "-m",
            "gotriage",
            "watch",
            "--print-alert-rules",
            "--window",
            RULE_WINDOW,
            "--min-increase",
            "5",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    (config / "gotriage-rules.yml").write_text(rules.stdout)
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def query(prom: str, promql: str) -> list[dict]:
    with contextlib.suppress(httpx.HTTPError):
        answer = httpx.get(f"{prom}/api/v1/query", params={"query": promql}, timeout=5).json()
        if answer.get("status") == "success":
            return answer["data"]["result"]
    return []


@dataclass
class Observed:
    run: WatchRun
    db: Path
    target: str
    receiver: Receiver
    webhook: Receiver
    prometheus: list[dict] | None  # what Prometheus held for the leaking site, None: no server
    prometheus_alerts: Receiver  # what Prometheus itself sent to "Alertmanager"
    metrics: str


@pytest.fixture(scope="module")
def observed(watched: gotool.RunningProgram) -> Iterator[Observed]:
    tmp = Path(tempfile.mkdtemp(prefix="gotriage-watch-"))
    target = watched.url("watch")
    base = watched.url("app").rstrip("/")
    (tmp / "targets.json").write_text(
        json.dumps([{"targets": [target], "labels": {"service": "watched", "env": "test"}}])
    )
    metrics_port = free_port()
    receiver, webhook, from_prometheus = Receiver(), Receiver(), Receiver()
    for server in (receiver, webhook, from_prometheus):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with prometheus(metrics_port, from_prometheus.url, tmp) as prom:
            args = (
                "--targets",
                str(tmp / "targets.json"),
                "--db",
                str(tmp / "watch.db"),
                *WATCH,
                "--duration",
                "120s",
                "--metrics-listen",
                f"127.0.0.1:{metrics_port}",
                "--alertmanager",
                receiver.url,
                "--webhook",
                webhook.url + "/hook",
            )
            with run_watch(*args) as run:
                with traffic(base) as load:
                    load.every("/leak", 0.1)
                    load.every("/lock", 0.25, timeout=0.2)
                    load.burst("/slow?ms=1500", 40, after=4)
                    run.wait_for(lambda events: len(fired(events)) >= 2, timeout=25)
                    if prom is not None:
                        wait_until(lambda: prometheus_fired(from_prometheus), 25)
                    time.sleep(1)
                    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
                # Without traffic the leaks stop growing: their alerts resolve.
                run.wait_for(lambda events: len(resolved(events)) >= 2, timeout=30)
                held = None
                if prom is not None:
                    promql = (
                        "max_over_time(sum by (service, site, function)"
                        ' (gotriage_watch_site_goroutines{service="watched",'
                        ' function="main.(*service).leak.func1"})[5m:1s])'
                    )
                    wait_until(lambda: bool(query(prom, promql)), 15)
                    held = query(prom, promql)
                run.process.send_signal(signal.SIGTERM)
                assert run.finish(60) == 0, run.stderr
            yield Observed(
                run, tmp / "watch.db", target, receiver, webhook, held, from_prometheus, metrics
            )
    finally:
        for server in (receiver, webhook, from_prometheus):
            server.shutdown()
            server.server_close()
        shutil.rmtree(tmp, ignore_errors=True)


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def prometheus_fired(receiver: Receiver) -> bool:
    return any(
        alert.get("labels", {}).get("alertname") == "GoroutineSiteGrowing"
        for _, body in receiver.posts
        for alert in (body if isinstance(body, list) else [])
    )


def test_both_leaks_alert_and_nothing_else(observed):
    assert fired(observed.run.events()) == leak_sites()


def test_alert_evidence(observed):
    (event,) = [
        e
        for e in observed.run.events()
        if e["event"] == "firing" and e["alert"]["function"] == "main.(*service).leak.func1"
    ]
    alert = event["alert"]
    assert alert["kind"] == "chan send"
    assert alert["evidence"]["last"] > alert["evidence"]["first"]
    assert alert["evidence"]["rate_per_hour"] > 0
    assert "buffer" in alert["fix"]
    assert event["schema"] == "gotriage.watch.event/1"


def test_the_burst_that_drained_did_not_alert(observed):
    history = Store(observed.db, readonly=True)
    try:
        peak = history.db.execute(
            "SELECT max(c.count) FROM site_counts c JOIN sites s ON s.id = c.site_id"
            " WHERE s.function = 'main.(*service).slow'"
        ).fetchone()[0]
    finally:
        history.close()
    assert peak >= 20  # the burst was seen ...
    slow = [e for e in observed.run.events() if "slow" in json.dumps(e.get("alert", {}))]
    assert not slow  # ... and did not alert


def test_alertmanager_received_v2_payloads(observed):
    posts = [(path, body) for path, body in observed.receiver.posts]
    assert posts and all(path == "/api/v2/alerts" for path, _ in posts)
    alerts = [alert for _, body in posts for alert in body]
    sites = {a["labels"]["site"] for a in alerts}
    assert {f"{f}:{n}" for f, n in leak_sites()} <= sites
    first = alerts[0]
    assert first["labels"]["alertname"] == "GoroutineSiteGrowing"
    assert first["labels"]["target"] == observed.target
    assert first["startsAt"].endswith("Z") and first["generatorURL"] == observed.target
    assert "summary" in first["annotations"] and "fix" in first["annotations"]


def test_webhook_received_alerts(observed):
    bodies = [body for path, body in observed.webhook.posts if path == "/hook"]
    assert {b["version"] for b in bodies} == {"gotriage.watch.alert/1"}
    assert {b["status"] for b in bodies} <= {"firing", "resolved"}
    assert {b["function"] for b in bodies} >= {"main.(*service).lock"}


def test_metrics_follow_prometheus_conventions(observed):
    text = observed.metrics
    for name in (
        "gotriage_watch_up",
        "gotriage_watch_goroutines",
        "gotriage_watch_site_goroutines",
        "gotriage_watch_site_growth_per_hour",
        "gotriage_watch_alert_firing",
        "gotriage_watch_fetch_duration_seconds",
        "gotriage_watch_samples_total",
        "gotriage_watch_fetch_errors_total",
        "gotriage_watch_restarts_total",
    ):
        assert f"# HELP {name.removesuffix('_total')}" in text, name
    assert 'by_design="yes"' in text and 'by_design="no"' in text


def test_prometheus_scraped_the_growing_site(observed):
    if observed.prometheus is None:
        pytest.skip("Debian's prometheus is not installed (.ci/run installs it)")
    assert observed.prometheus, "Prometheus returned no series for the leaking site"
    # Summed by the service label the watch read from its discovery file, as a fleet would.
    (series,) = observed.prometheus
    assert series["metric"]["service"] == "watched"
    assert float(series["value"][1]) >= 10


def test_prometheus_fired_the_printed_rule(observed):
    if observed.prometheus is None:
        pytest.skip("Debian's prometheus is not installed (.ci/run installs it)")
    alerts = [
        alert
        for path, body in observed.prometheus_alerts.posts
        if path == "/api/v2/alerts"
        for alert in body
        if alert["labels"]["alertname"] == "GoroutineSiteGrowing"
    ]
    assert alerts, "Prometheus sent no GoroutineSiteGrowing alert"
    sites = {a["labels"]["site"] for a in alerts}
    assert sites <= {f"{f}:{n}" for f, n in leak_sites()}
    assert {a["labels"]["service"] for a in alerts} == {"watched"}


def test_history_reads_the_run(observed, capsys):
    from gotriage.cli import main

    capsys.readouterr()
    code = main(["history", str(observed.db), "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0  # the leaks stopped growing with the traffic: no alert is open
    assert result["schema"] == "gotriage.history/1"
    (target,) = result["targets"]
    assert target["url"] == observed.target and target["samples"] >= 20
    growing = {(s["file"], s["line"]) for s in result["sites"] if s["goroutines"] >= 5}
    assert leak_sites() <= growing
    assert {(a["site"], a["state"]) for a in result["alerts"]} >= {
        (f"{main_go}:{n}", "resolved") for main_go, n in leak_sites()
    }
    assert main(["history", str(observed.db)]) == 0
    assert "resolved" in capsys.readouterr().out


def test_alerts_resolve_when_growth_stops(observed):
    assert set(resolved(observed.run.events()).values()) == {"stopped growing"}
    assert set(resolved(observed.run.events())) == {f"{f}:{n}" for f, n in leak_sites()}


def test_printed_rules_fire_on_a_series_from_the_real_run(observed, tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("Debian's prometheus (promtool) is not installed (.ci/run installs it)")
    from gotriage.cli import main

    rules = tmp_path / "rules.yml"
    with rules.open("w") as out, contextlib.redirect_stdout(out):
        assert main(["watch", "--print-alert-rules", "--window", "10m", "--min-increase", "5"]) == 0
    check = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    store = Store(observed.db, readonly=True)
    try:
        function = "main.(*service).leak.func1"
        rows = store.db.execute(
            "SELECT s.key, s.kind, c.count FROM site_counts c JOIN sites s ON s.id = c.site_id"
            " JOIN samples m ON m.id = c.sample_id WHERE s.function = ? ORDER BY m.time",
            (function,),
        ).fetchall()
        key, kind = rows[0][0], rows[0][1]
        counts = [count for _, _, count in rows]
    finally:
        store.close()
    # The run's samples, one a minute: the same series on Prometheus's time scale. The alert
    # is checked where the growth ended (the traffic stopped; then the watch resolved it).
    peak_at = counts.index(max(counts))
    assert peak_at >= 16, counts
    labels = (
        f'target="{observed.target}",site="{key}",function="{function}",kind="{kind}",'
        'by_design="no"'
    )
    tests = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {
                        "series": f"gotriage_watch_site_goroutines{{{labels}}}",
                        "values": " ".join(str(c) for c in counts),
                    }
                ],
                "alert_rule_test": [
                    {
                        "eval_time": f"{peak_at}m",
                        "alertname": "GoroutineSiteGrowing",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "warning",
                                    "target": observed.target,
                                    "site": key,
                                    "function": function,
                                    "kind": kind,
                                    "by_design": "no",
                                },
                                "exp_annotations": {
                                    "summary": f"{key} on {observed.target} keeps growing",
                                    "description": (
                                        f"{function} ({kind}) has grown steadily for 10m; run "
                                        f"gotriage goroutines {observed.target} to see the "
                                        "stacks."
                                    ),
                                },
                            }
                        ],
                    }
                ],
            }
        ],
    }
    test_file = tmp_path / "test.yml"
    test_file.write_text(json.dumps(tests))  # JSON is YAML
    done = subprocess.run([promtool, "test", "rules", str(test_file)], capture_output=True)
    assert done.returncode == 0, (done.stdout + done.stderr).decode()


def test_restart_mid_watch_does_not_alert(go_bin, tmp_path):
    port = free_port()
    args = ["-lifetime=60s", f"-addr=127.0.0.1:{port}"]
    db = tmp_path / "restart.db"
    with gotool.run_program(go_bin / "watched", args) as first:
        target = first.url("watch")
        with run_watch(target, "--db", str(db), *WATCH, "--duration", "60s") as run:
            time.sleep(7)
            first.stop()
            time.sleep(1)
            with gotool.run_program(go_bin / "watched", args):
                restarted = run.wait_for(lambda ev: any(e["event"] == "restart" for e in ev), 20)
                assert restarted, run.events()
                time.sleep(8)
            run.process.send_signal(signal.SIGTERM)
            assert run.finish(30) == 0
            events = run.events()
    assert not [e for e in events if e["event"] == "firing"], events
    store = Store(db, readonly=True)
    try:
        restarts = store.db.execute("SELECT count(*) FROM restarts").fetchone()[0]
        series = store.db.execute("SELECT max(series) FROM samples").fetchone()[0]
    finally:
        store.close()
    assert restarts == 1 and series == 2


def test_kill_9_then_a_new_watch_keeps_the_history(watched, tmp_path):
    db = tmp_path / "kill.db"
    base = watched.url("app").rstrip("/")
    quick = ("--interval", "0.25s", "--window", "4s", "--min-increase", "3")
    with traffic(base) as load:
        load.every("/leak", 0.1)
        with run_watch(watched.url("watch"), "--db", str(db), *quick) as run:
            assert run.wait_for(lambda ev: bool(fired(ev)), 20), run.stderr
            run.process.send_signal(signal.SIGKILL)
            run.finish(10)
        store = Store(db, readonly=True)
        try:
            samples_before = store.db.execute("SELECT count(*) FROM samples").fetchone()[0]
            alerts_before = store.db.execute("SELECT id, started FROM alerts").fetchall()
        finally:
            store.close()
        assert samples_before >= 6 and alerts_before  # min_points samples before any alert
        with run_watch(watched.url("watch"), "--db", str(db), *quick, "--duration", "3s") as run:
            assert run.finish(30) == 0, run.stderr
    store = Store(db, readonly=True)
    try:
        samples_after = store.db.execute("SELECT count(*) FROM samples").fetchone()[0]
        alerts_after = store.db.execute("SELECT id, started FROM alerts").fetchall()
        restarts = store.db.execute("SELECT count(*) FROM restarts").fetchone()[0]
    finally:
        store.close()
    assert samples_after > samples_before
    # The alert fired before the kill is the same alert, continued, not a new one.
    assert alerts_after[: len(alerts_before)] == alerts_before
    assert restarts == 0
