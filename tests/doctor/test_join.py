"""Joining observations into diagnoses: support, contradiction, confidence by sides, blind
sides, and every observation kept under a diagnosis or among the other findings."""

from __future__ import annotations

import io

import pytest

from gotriage.doctor.join import diagnose, judge, matches
from gotriage.doctor.model import Gathered, Observation, Result
from gotriage.knowledge.diagnoses import BY_ID, DIAGNOSES, server_block
from gotriage.knowledge.server_timeouts import RECOMMENDED_SECONDS
from gotriage.model import Confidence, Severity
from gotriage.report import doctor_json, doctor_markdown

HIGH, MED = Severity.HIGH, Severity.MEDIUM


def obs(side, id, severity=HIGH, tags=(), problem=True, summary="s", location=""):
    return Observation(side, id, severity, Confidence.HIGH, summary, (), location, tags, problem)


HEADER = BY_ID["server-without-read-header-timeout"]
GT101 = obs("source", "GT101", tags=("ReadHeaderTimeout",))
PROBE_BAD = obs("probe", "header-timeout", MED, ("problem",))
PROBE_GOOD = obs("probe", "header-timeout", Severity.INFO, ("healthy",), problem=False)
SLOW = obs("goroutines", "server-without-timeouts", MED, ("slow-clients",))
SOCKETS = obs("sockets", "slow-clients", MED)
LOW_GT101 = obs("source", "GT101", Severity.LOW, ("ReadHeaderTimeout",))
ALL_FOUR = ("source", "probe", "goroutines", "sockets")


@pytest.mark.parametrize(
    ("found", "severity", "confidence", "sides"),
    [
        ([GT101], HIGH, Confidence.MEDIUM, ("source",)),
        ([GT101, PROBE_BAD], HIGH, Confidence.MEDIUM, ("source", "probe")),
        ([GT101, PROBE_BAD, SLOW, SOCKETS], HIGH, Confidence.HIGH, ALL_FOUR),
        ([GT101, PROBE_GOOD], MED, Confidence.LOW, ("source",)),  # a measurement says otherwise
        ([LOW_GT101], Severity.LOW, Confidence.MEDIUM, ("source",)),
    ],
)  # fmt: skip
def test_confidence_grows_with_sides_and_drops_when_contradicted(
    found, severity, confidence, sides
):
    d = judge(HEADER, found, Gathered())
    assert d is not None
    assert (d.severity, d.confidence, d.sides) == (severity, confidence, sides)


def test_no_support_no_diagnosis():
    assert (
        judge(HEADER, [PROBE_GOOD, obs("source", "GT101", tags=("IdleTimeout",))], Gathered())
        is None
    )


def test_tags_must_match_when_a_signal_names_them():
    signal = HEADER.supports[0]
    assert matches(signal, GT101)
    assert not matches(signal, obs("source", "GT101", tags=("WriteTimeout",)))


def test_sides_not_gathered_are_named():
    g = Gathered()
    g.audit = object()
    d = judge(HEADER, [GT101], g)
    assert d is not None and "source" not in d.blind and {"probe", "goroutines"} <= set(d.blind)


def test_every_observation_is_under_a_diagnosis_or_other():
    found = [GT101, PROBE_BAD, obs("source", "GT110", Severity.LOW), PROBE_GOOD]
    g = Gathered()
    result = diagnose(g)
    assert result.diagnoses == []  # nothing gathered
    from gotriage.doctor import join

    held = [d for t in DIAGNOSES if (d := join.judge(t, found, g)) is not None]
    used = {id(o) for d in held for o in (*d.supporting, *d.contradicting)}
    assert {o.id for o in found if id(o) not in used} == {"GT110"}


def test_every_diagnosis_has_a_fix_and_a_way_to_verify():
    scenarios = {"slow-clients", "idle-keepalive", "slow-body", "slow-readers", "blocking-handler",
                 "abrupt-close", "header-oversize", "connection-churn"}  # fmt: skip
    for d in DIAGNOSES:
        assert d.fix and d.fix_code and d.explanation and d.supports
        assert d.scenario in scenarios or (not d.scenario and d.verify)


def test_server_block_uses_the_recommended_values():
    code = server_block("ReadHeaderTimeout", "IdleTimeout")
    assert (
        f"\tReadHeaderTimeout: {RECOMMENDED_SECONDS['ReadHeaderTimeout']} * time.Second,\n" in code
    )


def _result(*found: Observation) -> Result:
    g = Gathered(inputs={"url": "http://127.0.0.1:1/"})
    held = [d for t in DIAGNOSES if (d := judge(t, list(found), g)) is not None]
    return Result(g, held, [], list(found))


def test_json_schema_and_exit_code():
    doc = doctor_json.document(_result(GT101, PROBE_BAD))
    assert doc["schema"] == "gotriage.doctor/1" and doc["exit_code"] == 1
    assert doc["diagnoses"][0]["supporting"][0]["id"] == "GT101"
    assert (
        doc["diagnoses"][0]["verify"]
        == "gotriage reproduce http://127.0.0.1:1/ --scenario slow-clients"
    )


def test_markdown_keeps_input_in_code_spans():
    hostile = obs(
        "goroutines", "chan-send", summary="[x](javascript:alert(1)) <b>", location="a`b.go:1"
    )
    out = io.StringIO()
    doctor_markdown.render(_result(hostile), out)
    text = out.getvalue()
    assert "](javascript:" not in text and "<b>" not in text
    assert "`` a`b.go:1 ``" in text
