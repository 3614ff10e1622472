"""``--base OLD``: what grew between two CPU profiles, in percentage points of their samples."""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.cpu.categorise import Breakdown

TOP_FUNCTIONS = 10


@dataclass(frozen=True, slots=True)
class Delta:
    name: str
    base_percent: float
    percent: float

    @property
    def points(self) -> float:
        return self.percent - self.base_percent


@dataclass(frozen=True, slots=True)
class Comparison:
    base_source: str
    base_samples: int
    categories: list[Delta]  # every category, largest growth first
    functions: list[Delta]  # leaf functions that grew most


def compare(base: Breakdown, new: Breakdown, *, base_source: str = "") -> Comparison:
    categories = [Delta(c.name, base.share(c.name).percent, c.percent) for c in new.categories]
    categories.sort(key=lambda d: -d.points)

    def pct(samples: int, total: int) -> float:
        return 100.0 * samples / total if total else 0.0

    names = set(base.function_samples) | set(new.function_samples)
    functions = [
        Delta(
            name,
            pct(base.function_samples.get(name, 0), base.samples),
            pct(new.function_samples.get(name, 0), new.samples),
        )
        for name in names
    ]
    functions.sort(key=lambda d: (-d.points, d.name))
    grown = [d for d in functions if d.points > 0][:TOP_FUNCTIONS]
    return Comparison(base_source, base.samples, categories, grown)
