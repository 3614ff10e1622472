import pytest

from gotriage.probe.model import Measurement, Status, Unit, Verdict
from gotriage.probe.verdicts import ADVICE, assess, measured_text, precision_text


def m(name, status, value, unit=Unit.SECONDS, outcome=""):
    return Measurement(name, status, unit, value=value, outcome=outcome)


@pytest.mark.parametrize(
    ("measurement", "verdict"),
    [
        (m("header-timeout", Status.MEASURED, 5.0), Verdict.GOOD),
        (m("header-timeout", Status.MEASURED, 20.0), Verdict.WARN),
        (m("header-timeout", Status.MEASURED, 45.0), Verdict.BAD),
        (m("header-timeout", Status.NONE, 30.0), Verdict.BAD),
        (m("header-timeout", Status.NONE, 2.0), Verdict.WARN),
        (m("idle-timeout", Status.MEASURED, 0.0, outcome="no keep-alive"), Verdict.GOOD),
        (m("idle-timeout", Status.NONE, 30.0), Verdict.WARN),
        (m("body-timeout", Status.SKIPPED, None), Verdict.SKIPPED),
        (m("write-timeout", Status.ERROR, None), Verdict.ERROR),
        # a server that stopped answering: not "no timeout" (bad), not graded at all
        (m("header-timeout", Status.INCONCLUSIVE, 30.0), Verdict.INCONCLUSIVE),
        (
            m("connections", Status.INCONCLUSIVE, 16, Unit.CONNECTIONS, "not served"),
            Verdict.INCONCLUSIVE,
        ),
        (m("max-header", Status.MEASURED, (1 << 20) + 4096, Unit.BYTES), Verdict.GOOD),
        (m("max-header", Status.MEASURED, 4 << 20, Unit.BYTES), Verdict.WARN),
        (m("max-header", Status.NONE, 1 << 20, Unit.BYTES), Verdict.BAD),
        (m("max-body", Status.NONE, 64 << 20, Unit.BYTES), Verdict.WARN),
        (m("connections", Status.NONE, 256, Unit.CONNECTIONS, "served"), Verdict.WARN),
        (m("connections", Status.MEASURED, 100, Unit.CONNECTIONS, "served"), Verdict.GOOD),
        (m("connections", Status.MEASURED, 100, Unit.CONNECTIONS, "not served"), Verdict.BAD),
    ],
)
def test_verdict(measurement, verdict):
    assert assess(measurement).verdict is verdict


def test_poor_verdicts_carry_the_go_fix():
    bad = assess(m("header-timeout", Status.NONE, 30.0))
    assert bad.go_field.startswith("ReadHeaderTimeout")
    assert "ReadHeaderTimeout:" in bad.fix
    assert assess(m("header-timeout", Status.MEASURED, 1.0)).fix == ""


@pytest.mark.parametrize(
    ("measurement", "text"),
    [
        (m("header-timeout", Status.NONE, 30.0), "none within 30 s"),
        (m("max-body", Status.NONE, 64 << 20, Unit.BYTES), "no cap up to 64 MiB"),
        (m("header-timeout", Status.MEASURED, 1.5), "1.50 s"),
        (m("max-header", Status.MEASURED, 20480, Unit.BYTES), "20 KiB"),
        (
            m("header-timeout", Status.INCONCLUSIVE, 3.0),
            "inconclusive: the server stopped answering",
        ),
    ],
)
def test_measured_text(measurement, text):
    assert measured_text(measurement) == text


@pytest.mark.parametrize(
    ("measurement", "text"),
    [
        (m("header-timeout", Status.MEASURED, 1.0), "± 4 ms"),
        (m("header-timeout", Status.NONE, 30.0), ""),
        (m("max-header", Status.MEASURED, 20480, Unit.BYTES), "within 1 KiB"),
        (m("connections", Status.MEASURED, 100, Unit.CONNECTIONS), ""),
        (m("write-timeout", Status.ERROR, None), ""),
    ],
)
def test_precision_text(measurement, text):
    precision = {Unit.SECONDS: 0.004, Unit.BYTES: 1024, Unit.CONNECTIONS: 0}[measurement.unit]
    assert precision_text(measurement.with_fields(precision=precision)) == text


def test_every_measurement_has_advice():
    from gotriage.probe.runner import MEASUREMENTS

    assert set(MEASUREMENTS) == set(ADVICE)


def test_inconclusive_has_no_fix_and_fails_the_run():
    from gotriage.cli.probe import exit_code
    from gotriage.probe.model import ProbeReport

    measured = assess(m("header-timeout", Status.INCONCLUSIVE, 30.0))
    assert measured.fix == ""
    report = ProbeReport("http://127.0.0.1/", "127.0.0.1:80", False, 3.0, 3.0, (measured,))
    assert exit_code(report) == 1
