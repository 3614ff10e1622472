import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.units import format_duration, format_size, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10s", 10.0),
        ("500ms", 0.5),
        ("1m30s", 90.0),
        ("1.5m", 90.0),
        ("2h", 7200.0),
        ("3", 3.0),
        ("0.25", 0.25),
        (" 2S ", 2.0),
        ("250us", 0.00025),
        ("1min", 60.0),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "s", "10 parsecs", "1m30", "-1s", "ten seconds", "1s2x", "nan"]
)
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4096", 4096),
        ("64KiB", 64 << 10),
        ("64K", 64 << 10),
        ("64kb", 64000),
        ("1MiB", 1 << 20),
        ("1 MiB", 1 << 20),
        ("1MB", 1_000_000),
        ("1.5GiB", 3 << 29),
        ("10b", 10),
    ],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MiB", "1 parsec", "1 MiBs", "-1", "1e9"])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


@given(st.integers(min_value=0, max_value=1 << 40))
def test_size_round_trip_through_text(n):
    text = format_size(n).replace(" ", "")
    assert parse_size(text) == pytest.approx(n, rel=0.05, abs=1)


@given(
    st.integers(min_value=0, max_value=48),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=999),
)
def test_go_style_durations(h, m, ms):
    assert parse_duration(f"{h}h{m}m{ms}ms") == pytest.approx(h * 3600 + m * 60 + ms / 1000)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_duration_text_parses_back(seconds):
    text = format_duration(seconds).replace(" ", "")
    assert parse_duration(text) == pytest.approx(seconds, rel=0.01, abs=0.001)
