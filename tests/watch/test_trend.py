"""Growth detection on series of counts: steady leaks grow, noise and bursts do not."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.watch.trend import TrendSettings, assess, kendall_tau, theil_sen

SETTINGS = TrendSettings(window_seconds=60, min_points=6, min_increase=10)


def series(values, step=1.0):
    return [(i * step, v) for i, v in enumerate(values)]


def noisy(base, n, seed=1, spread=3):
    rng = random.Random(seed)
    return [base + rng.randint(-spread, spread) for _ in range(n)]


CASES = [
    ("one per request, steadily", list(range(10, 70)), True),
    ("slow leak with noise", [20 + i // 2 + r for i, r in enumerate(noisy(0, 60))], True),
    ("flat", [30] * 60, False),
    ("noise around a level", noisy(40, 60, spread=6), False),
    ("burst that drained", [10] * 20 + [60] * 10 + [10] * 30, False),
    ("step up that stopped", [10] * 20 + [50] * 40, False),
    ("draining", list(range(80, 20, -1)), False),
    ("ramp after a start, then flat", list(range(0, 30, 3)) + [30] * 50, False),
    ("too short to judge", [1, 20, 40, 60], False),
    ("growing by less than min_increase", [10] * 20 + [12] * 20 + [15] * 20, False),
]


@pytest.mark.parametrize(("name", "values", "growing"), CASES, ids=[c[0] for c in CASES])
def test_growth_verdicts(name, values, growing):
    trend = assess(series(values), SETTINGS)
    assert trend.growing is growing, trend.reason


def test_a_young_series_is_not_judged():
    # Half the window is needed: a process that just started is still warming up.
    trend = assess(series(list(range(0, 100, 10))), SETTINGS)
    assert not trend.growing
    assert "needed" in trend.reason


def test_evidence_numbers():
    trend = assess(series(list(range(10, 70)), step=60.0), TrendSettings(window_seconds=3600))
    evidence = trend.as_evidence()
    assert evidence["first"] == 10 and evidence["last"] == 69
    assert evidence["rate_per_hour"] == pytest.approx(60.0)
    assert evidence["kendall_tau"] == 1.0


def test_statistics():
    assert theil_sen([(0, 0), (1, 2), (2, 4), (3, 6), (4, 100)]) == pytest.approx(2.0)
    assert kendall_tau([1, 2, 3]) == 1.0
    assert kendall_tau([3, 2, 1]) == -1.0


@given(
    st.lists(
        st.tuples(st.floats(0, 1e6, allow_nan=False), st.integers(0, 10**9)),
        max_size=300,
    )
)
def test_any_series_gets_a_verdict(points):
    points.sort()
    trend = assess(points, SETTINGS)
    assert isinstance(trend.growing, bool)
