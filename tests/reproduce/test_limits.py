"""Connection counts are checked against RLIMIT_NOFILE, whose soft limit is raised when it can."""

from __future__ import annotations

import resource

import pytest

from gotriage.errors import UsageError
from gotriage.reproduce import plan as plans
from gotriage.reproduce import runner


class FakeLimits:
    def __init__(self, soft: int, hard: int) -> None:
        self.limits = (soft, hard)
        self.set_to: tuple[int, int] | None = None

    def getrlimit(self, _which: int) -> tuple[int, int]:
        return self.limits

    def setrlimit(self, _which: int, limits: tuple[int, int]) -> None:
        self.set_to = self.limits = limits


@pytest.fixture
def limits(monkeypatch):
    fake = FakeLimits(256, 4096)
    monkeypatch.setattr(resource, "getrlimit", fake.getrlimit)
    monkeypatch.setattr(resource, "setrlimit", fake.setrlimit)
    return fake


def test_soft_limit_raised_towards_the_hard_one(limits):
    runner.ensure_file_limit(1000)
    assert limits.set_to == (1000 + runner.FD_MARGIN, 4096)


def test_refused_when_the_hard_limit_is_too_low(limits):
    with pytest.raises(UsageError, match="ulimit -n"):
        runner.ensure_file_limit(5000)


def test_connections_needed_counts_every_scenario():
    overrides = plans.Overrides(["slow-clients", "idle-keepalive"], params={"clients": 300})
    plan = plans.build("/", overrides)
    assert runner.connections_needed(plan) == 600 + plan.load_connections + 8


def test_over_the_cap_is_refused():
    with pytest.raises(UsageError, match="at most 20000"):
        runner.ensure_file_limit(25_000)
