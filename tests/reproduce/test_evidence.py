"""The joined analyses as data, by hand for shapes a short run does not produce: the sockets
analysis of a phase's snapshots (server side of the port only) and the CPU categories, quoted as
evidence in a verdict without deciding it."""

from __future__ import annotations

import pytest

from gotriage.reproduce import plan as plans
from gotriage.reproduce import runner
from gotriage.reproduce.model import CpuProfile, PhaseSummary, Run, ScenarioRun, Thresholds
from gotriage.reproduce.scenarios.base import Stats
from gotriage.reproduce.summary import phase_sockets
from gotriage.reproduce.verdicts import assess
from gotriage.sockets import states as S
from gotriage.sockets.model import Socket, SocketTable, TcpInfo

PORT = 8080


def table(at: float, idle_ms: int, clients: int = 20, time_wait: int = 0) -> SocketTable:
    sockets = [Socket(S.LISTEN, "127.0.0.1", PORT, "0.0.0.0", 0, 0, 128)]
    for n in range(clients):
        info = TcpInfo(last_data_recv_ms=idle_ms, last_data_sent_ms=idle_ms)
        sockets.append(Socket(S.ESTAB, "127.0.0.1", PORT, "127.0.0.1", 40000 + n, 0, 0, info=info))
        # our own end of the same connection: client side, never a finding of the server's
        sockets.append(Socket(S.ESTAB, "127.0.0.1", 40000 + n, "127.0.0.1", PORT, 0, 0, info=info))
    for n in range(time_wait):
        sockets.append(Socket(S.TIME_WAIT, "127.0.0.1", PORT, "127.0.0.1", 50000 + n))
    return SocketTable("live", "netlink", sockets=sockets, taken_at=at)


def test_idle_connections_of_the_port_are_slow_clients_after_half_the_phase():
    found = phase_sockets([table(1.0, 3000), table(2.0, 4000)], PORT, 6.0)
    assert found is not None and found.source == "netlink" and found.snapshots == 2
    assert [(f.id, f.count, f.side) for f in found.findings] == [("slow-clients", 20, "server")]
    # idle for less than half the phase: nothing
    assert phase_sockets([table(1.0, 1000), table(2.0, 2000)], PORT, 10.0).findings == []  # type: ignore[union-attr]


def test_time_wait_storm_on_the_port():
    found = phase_sockets([table(1.0, 0, 0, 1500), table(2.0, 0, 0, 1500)], PORT, 4.0)
    assert found is not None and [f.id for f in found.findings] == ["time-wait-storm"]
    assert runner.port_states(table(1.0, 0, 2, 3), PORT) == {
        S.ESTAB: 2,
        S.LISTEN: 1,
        S.TIME_WAIT: 3,
    }


def test_no_snapshot_no_analysis():
    assert phase_sockets([], PORT, 4.0) is None


@pytest.mark.parametrize(
    ("duration", "window"), [(0.5, None), (1.0, (0.0, 1)), (2.0, (0.5, 1)), (30.0, (12.5, 5))]
)
def test_profile_window_is_inside_the_scenario_phase(duration, window):
    plan = plans.build("/", plans.Overrides(["slow-clients"], {"duration": duration}))
    assert runner.profile_window(plan) == window


def _run(cpu: CpuProfile | None, socket_tables: list[SocketTable]) -> Run:
    plan = plans.build("/", plans.Overrides(["slow-clients"], {"duration": 4.0}))
    run = Run("http://127.0.0.1:8080/", "127.0.0.1:8080", "", 1, plan)
    run.scenarios = [ScenarioRun(plan.scenarios[0], Stats(connections=20, open_at_end=20))]
    for name, g in (("baseline", 5), ("scenario", 25), ("recovery", 25)):
        run.phases[name] = PhaseSummary(name, 4.0, g, g, g)
    run.phases["scenario"].cpu = cpu
    run.phases["recovery"].sockets = phase_sockets(socket_tables, PORT, 4.0)
    return run


def test_verdict_quotes_the_sockets_finding_and_the_cpu_categories():
    cpu = CpuProfile(2.0, 150, {"network": 55.0, "syscall": 30.0, "user": 10.0, "gc": 5.0})
    verdict = assess(_run(cpu, [table(1.0, 3000), table(2.0, 3000)]), Thresholds())[0]
    assert verdict.degraded and verdict.reasons == ["goroutines"]
    assert "sockets in the recovery phase: slow-clients, 20 server connections" in verdict.evidence
    assert "CPU profile of the scenario (2 s): network 55%, syscall 30%, user 10%" in (
        verdict.evidence
    )


def test_an_idle_or_missing_profile_is_said_so_or_left_out():
    idle = assess(_run(CpuProfile(1.0, 3), []), Thresholds())[0]
    assert "nearly idle (3 samples)" in idle.evidence
    failed = assess(_run(CpuProfile(1.0, error="404"), []), Thresholds())[0]
    assert "CPU" not in failed.evidence and "; ;" not in failed.evidence
