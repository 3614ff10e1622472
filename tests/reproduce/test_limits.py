"""Connection counts are checked against RLIMIT_NOFILE (through :mod:`gotriage.limits`, as the
probe does): the soft limit is raised to the hard one when it is too low, and when even that is
not enough the connections are capped and the run says so."""

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


def test_soft_limit_raised_to_the_hard_one(limits):
    assert runner.ensure_file_limit(1000) == (1000, "")
    assert limits.set_to == (4096, 4096)


def test_capped_and_said_when_the_hard_limit_is_too_low(limits):
    allowed, note = runner.ensure_file_limit(5000)
    assert 0 < allowed < 4096
    assert "connections 5000 capped to" in note and "ulimit -n" in note


def test_connections_needed_counts_every_scenario():
    overrides = plans.Overrides(["slow-clients", "idle-keepalive"], params={"clients": 300})
    plan = plans.build("/", overrides)
    assert runner.connections_needed(plan) == 600 + plan.load_connections + 8


def test_over_the_cap_is_refused():
    with pytest.raises(UsageError, match="at most 20000"):
        runner.ensure_file_limit(25_000)
