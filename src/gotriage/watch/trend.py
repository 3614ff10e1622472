"""Is a site growing? A robust trend over a window of (time, count) points. No I/O.

A leak grows steadily: one goroutine per request at one site, for as long as requests come.
Noise (a few goroutines coming and going) and bursts (a request spike that drains) must not
look like that. The test, for the points of one series inside the window:

* enough of them (``min_points``) over enough time (``min_span_seconds``), so that a process
  that just started, or just restarted, is not judged on its warm-up;
* the Theil-Sen slope (the median of the slopes between every pair of points, which outliers
  and single spikes do not move) is positive, in goroutines per hour;
* the median of the last third of the window is above the median of the middle third, which is
  above the median of the first third (growth that is still going on, not a step that stopped),
  and the last third's median is at least ``min_increase`` above the first third's;
* Kendall's tau (how monotonic the series is, from -1 to 1) is at least ``min_tau``.

The linear-time tests (points, span, thirds) run first; the quadratic ones (Theil-Sen, tau)
only for the sites that pass them, and the others' rate is taken from the thirds' medians.
A site stops growing when the test fails; a site that drains below where the window started
has stopped too. Every number the verdict rests on is kept for the alert's evidence.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MAX_POINTS = 120  # pairwise statistics are quadratic: thin longer windows evenly


@dataclass(frozen=True, slots=True)
class TrendSettings:
    window_seconds: float = 30 * 60
    min_points: int = 6
    min_span_seconds: float = 0.0  # 0: half the window
    min_increase: int = 10
    min_rate_per_hour: float = 0.0
    min_tau: float = 0.6

    @property
    def span_needed(self) -> float:
        return self.min_span_seconds or self.window_seconds / 2


@dataclass(frozen=True, slots=True)
class Trend:
    growing: bool
    reason: str
    points: int
    first: int
    last: int
    low: int
    high: int
    rate_per_hour: float
    tau: float
    thirds: tuple[float, float, float]
    span_seconds: float

    def as_evidence(self) -> dict[str, object]:
        return {
            "points": self.points,
            "first": self.first,
            "last": self.last,
            "min": self.low,
            "max": self.high,
            "rate_per_hour": round(self.rate_per_hour, 1),
            "kendall_tau": round(self.tau, 2),
            "thirds": [round(x, 1) for x in self.thirds],
            "span_seconds": round(self.span_seconds, 1),
        }


def _thin(points: Sequence[tuple[float, int]]) -> Sequence[tuple[float, int]]:
    if len(points) <= MAX_POINTS:
        return points
    step = len(points) / MAX_POINTS
    picked = [points[int(i * step)] for i in range(MAX_POINTS - 1)]
    return [*picked, points[-1]]


def theil_sen(points: Sequence[tuple[float, int]]) -> float:
    """Median pairwise slope, in count per second (0 with fewer than two distinct times)."""
    slopes = [
        (b[1] - a[1]) / (b[0] - a[0])
        for i, a in enumerate(points)
        for b in points[i + 1 :]
        if b[0] > a[0]
    ]
    return statistics.median(slopes) if slopes else 0.0


def kendall_tau(values: Sequence[int]) -> float:
    """Kendall's tau-a of the values against their order (1: always rising)."""
    n = len(values)
    if n < 2:
        return 0.0
    score = 0
    for i in range(n):
        vi = values[i]
        for j in range(i + 1, n):
            d = values[j] - vi
            score += (d > 0) - (d < 0)
    return score / (n * (n - 1) / 2)


def assess(points: Sequence[tuple[float, int]], settings: TrendSettings) -> Trend:
    """The trend of one series' points (time in seconds, count), oldest first."""
    if not points:
        return Trend(False, "no samples", 0, 0, 0, 0, 0, 0.0, 0.0, (0.0, 0.0, 0.0), 0.0)
    end = points[-1][0]
    window = [p for p in points if p[0] >= end - settings.window_seconds]
    window = list(_thin(window))
    counts = [c for _, c in window]
    span = window[-1][0] - window[0][0]
    third = max(1, len(counts) // 3)
    thirds = (
        float(statistics.median(counts[:third])),
        float(statistics.median(counts[third : len(counts) - third] or counts)),
        float(statistics.median(counts[-third:])),
    )
    # The cheap tests first: the pairwise statistics (quadratic) only for sites that pass them,
    # a few of the hundreds a fleet has; the others get a rate from the thirds' medians.
    rate = (thirds[2] - thirds[0]) / (span * 2 / 3) * 3600 if span > 0 else 0.0
    trend = Trend(
        False,
        "",
        len(window),
        counts[0],
        counts[-1],
        min(counts),
        max(counts),
        rate,
        0.0,
        thirds,
        span,
    )
    reason = _cheap_verdict(trend, settings)
    if not reason:
        rate = theil_sen(window) * 3600
        trend = dataclasses.replace(trend, rate_per_hour=rate, tau=kendall_tau(counts))
        reason = _robust_verdict(trend, settings)
    return dataclasses.replace(trend, growing=reason == "", reason=reason or "growing")


def _cheap_verdict(t: Trend, s: TrendSettings) -> str:
    """Why the series is not growing by the linear-time tests, or "" when it may be."""
    if t.points < s.min_points:
        return f"{t.points} samples in the window, {s.min_points} needed"
    if t.span_seconds < s.span_needed:
        return f"the series covers {t.span_seconds:.0f}s, {s.span_needed:.0f}s needed"
    first, middle, last = t.thirds
    if not first < middle < last:
        return "not rising through the window"
    if last - first < s.min_increase:
        return f"+{last - first:.0f} over the window, {s.min_increase} needed"
    return ""


def _robust_verdict(t: Trend, s: TrendSettings) -> str:
    if t.rate_per_hour <= max(0.0, s.min_rate_per_hour):
        return f"rate {t.rate_per_hour:.1f}/h"
    if t.tau < s.min_tau:
        return f"not steady (Kendall tau {t.tau:.2f} < {s.min_tau})"
    return ""
