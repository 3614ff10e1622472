import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.errors import UsageError
from gotriage.probe.model import Measurement, Status, Unit
from gotriage.probe.requirements import UNITS, check, parse_requirement


@pytest.mark.parametrize(
    ("text", "name", "op", "value"),
    [
        ("header-timeout<=10s", "header-timeout", "<=", 10.0),
        ("idle-timeout < 2m", "idle-timeout", "<", 120.0),
        ("max-header<=1MiB", "max-header", "<=", float(1 << 20)),
        ("max-body>=64KB", "max-body", ">=", 64000.0),
        ("connections=100", "connections", "==", 100.0),
        ("write-timeout>500ms", "write-timeout", ">", 0.5),
    ],
)
def test_parse(text, name, op, value):
    req = parse_requirement(text)
    assert (req.name, req.op, req.value) == (name, op, value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("header-timeout", "malformed requirement"),
        ("<=10s", "malformed requirement"),
        ("header-timeout<=", "malformed requirement"),
        ("header-timeout=>10s", "malformed requirement"),
        ("read-timeout<=10s", "unknown measurement 'read-timeout'"),
        ("max-header<=1 parsec", "not a size"),
        ("header-timeout<=1MiB", "not a duration"),
        ("connections<=many", "not a whole number"),
        ("header-timeout<=10s and more", "not a duration"),
        ("max-body<=1MiB;", "not a size"),
    ],
)
def test_malformed(text, message):
    with pytest.raises(UsageError, match=message):
        parse_requirement(text)


def seconds(status, value, **kw):
    return Measurement("header-timeout", status, Unit.SECONDS, value=value, **kw)


@pytest.mark.parametrize(
    ("text", "measurement", "met"),
    [
        ("header-timeout<=10s", seconds(Status.MEASURED, 5.0), True),
        ("header-timeout<=10s", seconds(Status.MEASURED, 10.0), True),
        ("header-timeout<10s", seconds(Status.MEASURED, 10.0), False),
        ("header-timeout<=10s", seconds(Status.NONE, 30.0), False),
        ("header-timeout>=10s", seconds(Status.NONE, 30.0), True),
        ("header-timeout>=60s", seconds(Status.NONE, 30.0), False),
        ("header-timeout<=10s", seconds(Status.ERROR, None, detail="boom"), False),
        ("header-timeout>=10s", seconds(Status.INCONCLUSIVE, 30.0, detail="no answer"), False),
        ("header-timeout<=10s", seconds(Status.SKIPPED, None), False),
        ("header-timeout<=10s", None, False),
    ],
)
def test_check(text, measurement, met):
    assert check(parse_requirement(text), measurement).met is met


def test_max_header_compares_the_implied_setting():
    go_default = Measurement(
        "max-header",
        Status.MEASURED,
        Unit.BYTES,
        value=(1 << 20) + 4096,
        implied_setting=1 << 20,
    )
    assert check(parse_requirement("max-header<=1MiB"), go_default).met
    assert not check(parse_requirement("max-header<1MiB"), go_default).met


def test_skipped_names_the_flag():
    skipped = Measurement("max-body", Status.SKIPPED, Unit.BYTES, enable_with="--body-path")
    result = check(parse_requirement("max-body<=1MiB"), skipped)
    assert "--body-path" in result.reason


@given(
    st.sampled_from(sorted(UNITS)),
    st.sampled_from(["<=", "<", ">=", ">", "=="]),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["", " "]),
)
def test_parse_any_well_formed_requirement(name, op, number, space):
    suffix = {Unit.SECONDS: "ms", Unit.BYTES: "KiB", Unit.CONNECTIONS: ""}[UNITS[name]]
    req = parse_requirement(f"{name}{space}{op}{space}{number}{suffix}")
    scale = {Unit.SECONDS: 0.001, Unit.BYTES: 1024, Unit.CONNECTIONS: 1}[UNITS[name]]
    assert (req.name, req.op) == (name, op)
    assert req.value == pytest.approx(number * scale)
