"""Findings from hand-built tables: shapes a loopback test cannot reach (port exhaustion
towards a remote upstream, counts only from ss -s) and the rules that decide side and samples."""

import pytest

from gotriage.errors import UsageError
from gotriage.sockets.analyse import Settings, analyse
from gotriage.sockets.model import Process, Socket, SocketTable, TcpInfo
from gotriage.sockets.parse_text import parse_lines


def table(sockets, taken_at=None, **kwargs):
    return SocketTable(
        "t", "ss", sockets=list(sockets), taken_at=taken_at, has_processes=True, **kwargs
    )


def listener(port=8080, address="0.0.0.0", recv_q=0, backlog=4096, pid=10):
    return Socket(
        "LISTEN", address, port, "0.0.0.0", 0, recv_q, backlog, processes=(Process("api", pid),)
    )


def conn(
    state,
    local_port,
    remote_port,
    *,
    local="10.0.0.5",
    remote="10.0.0.9",
    recv_q=0,
    info=None,
    pid=10,
):
    procs = (Process("api", pid),) if state != "TIME-WAIT" else ()
    return Socket(
        state, local, local_port, remote, remote_port, recv_q, 0, processes=procs, info=info
    )


def ids(result):
    return [(f.id, f.severity.value, f.side) for f in result.findings]


def test_client_side_time_wait_towards_one_upstream_nears_port_exhaustion():
    sockets = [conn("TIME-WAIT", 30000 + i, 5432, remote="10.0.0.77") for i in range(20000)]
    result = analyse(
        [table(sockets, limits={"ip_local_port_range": [32768, 60999], "tcp_tw_reuse": 0})]
    )
    (finding,) = result.findings
    assert (finding.id, finding.side, finding.upstream) == (
        "time-wait-storm",
        "client",
        "10.0.0.77:5432",
    )
    assert finding.severity.value == "high"  # 71% of the ephemeral range
    assert any("of the 28232 ephemeral ports" in e for e in finding.evidence)


def test_server_side_time_wait_is_told_apart():
    sockets = [listener(), *(conn("TIME-WAIT", 8080, 40000 + i) for i in range(1200))]
    (finding,) = analyse([table(sockets)]).findings
    assert (finding.side, finding.port) == ("server", 8080)


def test_time_wait_rate_over_samples():
    first = [conn("TIME-WAIT", 8080, 40000 + i) for i in range(1000)]
    second = [conn("TIME-WAIT", 8080, 41000 + i) for i in range(1000)]
    result = analyse([table([listener(), *first], 0.0), table([listener(), *second], 10.0)])
    assert any("100 new per second" in e for e in result.findings[0].evidence)


def test_counts_only_from_ss_summary():
    summary = parse_lines(
        ["Total: 5000", "TCP:   4800 (estab 20, closed 4700, orphaned 0, timewait 4700)"]
    )
    result = analyse([summary])
    assert ids(result) == [("time-wait-storm", "medium", None)]
    assert result.summary["timewait"] == 4700


def test_zombie_from_one_snapshot_needs_tcp_info_to_be_sure():
    stuck = [conn("ESTAB", 8080, 50000 + i, recv_q=100) for i in range(5)]
    assert ids(analyse([table([listener(), *stuck])])) == [("zombie-connections", "low", "server")]
    old = [
        conn(
            "ESTAB",
            8080,
            50000 + i,
            recv_q=100,
            info=TcpInfo(last_data_recv_ms=60000, last_data_sent_ms=60000),
        )
        for i in range(5)
    ]
    assert ids(analyse([table([listener(), *old])])) == [("zombie-connections", "medium", "server")]


def test_a_busy_connection_is_no_zombie_when_its_queue_drains_between_samples():
    busy = conn("ESTAB", 8080, 50000, recv_q=100)
    drained = conn("ESTAB", 8080, 50000, recv_q=0)
    assert analyse([table([listener(), busy]), table([listener(), drained])]).findings == []


def test_client_connections_on_a_listening_host_are_client_side():
    sockets = [listener(), conn("ESTAB", 8080, 50000), conn("ESTAB", 50001, 443, remote="1.1.1.1")]
    result = analyse([table(sockets)])
    assert result.sides["server"]["ESTAB"] == 1 and result.sides["client"]["ESTAB"] == 1
    assert result.upstreams[0][0] == "1.1.1.1:443"
    assert result.remote_addresses == [("10.0.0.9", 1)]


def test_pid_keeps_its_listeners_connections_and_their_time_wait():
    mine = [listener(pid=10), conn("ESTAB", 8080, 50000, pid=10), conn("TIME-WAIT", 8080, 50001)]
    other = [
        listener(port=9090, pid=20),
        conn("ESTAB", 9090, 50002, pid=20),
        conn("TIME-WAIT", 9090, 50003),
    ]
    result = analyse([table([*mine, *other])], Settings(pid=10))
    assert result.total == 3 and [r.port for r in result.ports] == [8080]


def test_pid_without_process_information_is_a_usage_error():
    no_owner = SocketTable("t", "ss", sockets=[listener()])
    with pytest.raises(UsageError, match="ss -tanp"):
        analyse([no_owner], Settings(pid=10))


def test_accept_queue_at_its_backlog():
    result = analyse([table([listener(recv_q=129, backlog=128)])])
    assert ids(result) == [("accept-queue-overflow", "high", "listen")]


def test_listen_overflows_growing_without_a_full_queue_in_sight():
    before = table(
        [listener()], 0.0, counters={"TcpExt.ListenOverflows": 10, "TcpExt.ListenDrops": 10}
    )
    after = table(
        [listener()], 5.0, counters={"TcpExt.ListenOverflows": 25, "TcpExt.ListenDrops": 25}
    )
    assert ids(analyse([before, after])) == [("accept-queue-overflow", "medium", None)]
    filtered = analyse([before, after], Settings(port=8080))
    assert filtered.findings == [] and any("machine-wide" in n for n in filtered.notes)


def test_close_wait_that_grows():
    one = [conn("CLOSE-WAIT", 50000 + i, 443, remote="1.1.1.1") for i in range(5)]
    two = [conn("CLOSE-WAIT", 50000 + i, 443, remote="1.1.1.1") for i in range(15)]
    result = analyse([table(one), table(two)])
    assert ids(result) == [("close-wait-pile", "medium", "client")]
