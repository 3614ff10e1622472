"""A time series kept in bounded memory, with its trend.

Logs can hold millions of schedtrace lines; a :class:`Series` keeps running sums for the
least-squares trend over every point and at most ``max_points`` points for display (when full it
keeps every other point and halves its rate), so memory stays flat however long the input is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_POINTS = 240


@dataclass(slots=True)
class Series:
    name: str
    unit: str = ""
    max_points: int = MAX_POINTS
    points: list[tuple[float, float]] = field(default_factory=list)
    count: int = 0
    first: float | None = None
    last: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    _stride: int = 1
    _seen: int = 0
    _st: float = 0.0
    _sv: float = 0.0
    _stt: float = 0.0
    _stv: float = 0.0
    _t0: float | None = None
    _t1: float = 0.0

    def add(self, t: float, value: float) -> None:
        t0 = self._t0
        if t0 is None:
            self._t0 = t0 = t
            self.first = self.minimum = self.maximum = value
        elif value < self.minimum:  # type: ignore[operator]
            self.minimum = value
        elif value > self.maximum:  # type: ignore[operator]
            self.maximum = value
        self._t1 = t
        x = t - t0
        self.count += 1
        self._st += x
        self._sv += value
        self._stt += x * x
        self._stv += x * value
        self.last = value
        seen = self._seen
        self._seen = seen + 1
        if seen % self._stride == 0:
            points = self.points
            points.append((t, value))
            if len(points) > self.max_points:
                self.points = points[::2]
                self._stride *= 2

    @property
    def mean(self) -> float:
        return self._sv / self.count if self.count else 0.0

    @property
    def span_seconds(self) -> float:
        return (self._t1 - self._t0) if self._t0 is not None else 0.0

    @property
    def slope_per_second(self) -> float:
        """The least-squares slope over every point (0 with fewer than 2 distinct times)."""
        n = self.count
        denominator = n * self._stt - self._st * self._st
        if n < 2 or denominator <= 0:
            return 0.0
        return (n * self._stv - self._st * self._sv) / denominator

    @property
    def change(self) -> float:
        """The fitted change over the whole span."""
        return self.slope_per_second * self.span_seconds

    @property
    def trend(self) -> str:
        """``rising``, ``falling`` or ``flat`` (``flat`` with fewer than 3 points)."""
        if self.count < 3:
            return "flat"
        scale = max(1.0, 0.2 * max(abs(self.maximum or 0.0), abs(self.minimum or 0.0)))
        if self.change >= scale:
            return "rising"
        if self.change <= -scale:
            return "falling"
        return "flat"

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "unit": self.unit,
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "min": self.minimum,
            "max": self.maximum,
            "mean": round(self.mean, 3),
            "trend": self.trend,
            "slope_per_minute": round(self.slope_per_second * 60, 3),
            "points": [[round(t, 3), v] for t, v in self.points],
        }
