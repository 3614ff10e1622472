"""doctor on a real service: every problem named with evidence from every side that sees it;
the fixed service gets no diagnosis of medium or worse; a target that goes away half-way."""

from __future__ import annotations

import json
import time

import pytest
from tests.doctor.conftest import BUDGET, run_doctor

EXPECTED = [
    # diagnosis, the sides that must support it
    ("server-without-read-header-timeout", {"source", "probe", "goroutines", "sockets"}),
    ("goroutine-leak", {"source", "goroutines"}),
    ("gc-pressure", {"cpu"}),
    ("server-without-idle-timeout", {"source", "probe"}),
]


@pytest.mark.parametrize(("diagnosis", "sides"), EXPECTED)
def test_each_problem_is_named_with_evidence_from_every_side(broken_run, diagnosis, sides):
    doc, _ = broken_run
    found = {d["id"]: d for d in doc["diagnoses"]}
    assert diagnosis in found, [d["id"] for d in doc["diagnoses"]]
    d = found[diagnosis]
    assert sides <= set(d["sides"]), d["sides"]
    assert d["severity"] in ("medium", "high")
    assert d["fix_code"] and d["verify"]


def test_the_header_timeout_diagnosis_ranks_first_with_high_confidence(broken_run):
    doc, _ = broken_run
    first = doc["diagnoses"][0]
    assert first["id"] == "server-without-read-header-timeout"
    assert first["confidence"] == "high"
    assert first["verify"].endswith("--scenario slow-clients")
    sources = [o for o in first["supporting"] if o["side"] == "source"]
    assert sources[0]["id"] == "GT101" and sources[0]["location"].endswith(
        "main.go:"
        + str(
            next(
                n
                for n, line in enumerate(_fixture_lines(), 1)
                if "&http.Server{Handler: mux}" in line
            )
        )
    )


def _fixture_lines() -> list[str]:
    from tests.doctor.conftest import FIXTURE_SOURCE

    return (FIXTURE_SOURCE / "main.go").read_text().splitlines()


def test_the_leak_is_found_at_its_marked_line_and_grows(broken_run):
    doc, _ = broken_run
    leak = next(d for d in doc["diagnoses"] if d["id"] == "goroutine-leak")
    marked = next(n for n, line in enumerate(_fixture_lines(), 1) if "// leak: work-lookup" in line)
    live = [o for o in leak["supporting"] if o["side"] == "goroutines"]
    assert any(o["location"].endswith(f"main.go:{marked}") for o in live)
    assert any("growth" in o["tags"] for o in live)
    assert any(o["id"] == "GT201" for o in leak["supporting"])


def test_every_side_was_gathered_within_the_budget(broken_run):
    doc, _ = broken_run
    assert set(doc["collected"]) == {"audit", "probe", "goroutines", "cpu", "sockets"}
    assert doc["missing"] == {}
    assert doc["elapsed_seconds"] <= BUDGET
    assert doc["schema"] == "gotriage.doctor/1"
    assert doc["exit_code"] == 1


def test_the_fixed_service_gets_no_diagnosis_of_medium_or_worse(fixed_run):
    code, doc, stderr = fixed_run
    serious = [d for d in doc["diagnoses"] if d["severity"] in ("medium", "high")]
    assert code == 0, (serious, stderr)
    assert serious == []
    healthy = {o["id"] for o in doc["other_findings"] if o["side"] == "probe" and not o["problem"]}
    assert {"header-timeout", "idle-timeout"} <= healthy
    assert doc["missing"]["audit"].startswith("no source given")


def test_a_target_that_goes_away_half_way(go_program):
    import subprocess
    import sys

    budget = 10
    with go_program("doctorsvc", "-lifetime=3s") as prog:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "gotriage", "doctor", "--quiet", "--format", "json",
             "--url", prog.url("app"), "--pprof", prog.url("pprof"), "--budget", str(budget)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        out, err = child.communicate(timeout=budget + 60)
    wall = time.monotonic() - started
    doc = json.loads(out)
    assert doc["elapsed_seconds"] <= budget
    assert wall < budget + 30  # process start-up included; generous under load
    assert "goroutines" in doc["collected"], err  # the first dump came in before it went away
    assert doc["missing"], doc  # the rest is said to be missing, with why
    assert any(side == "growth" or side == "probe" or side == "cpu" for side in doc["missing"])


def test_usage_errors_exit_2():
    done = run_doctor()
    assert done.returncode == 2 and "nothing to examine" in done.stderr
    done = run_doctor("--pid", "1", "--port", "2")
    assert done.returncode == 2
    done = run_doctor("--source", "/no/such/dir")
    assert done.returncode == 2 and "not a directory" in done.stderr
