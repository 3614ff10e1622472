"""Each socket state made for real on 127.0.0.1 by the sockstates Go fixture, read live (netlink
and /proc) and from ss/netstat output captured at the same moment, and the findings it gives.

The six scenarios run at once for the whole module (30 connections each, stopping by themselves
after 120 s); every reading is filtered to one fixture's process or port, so other programs on
the machine do not change the outcome."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from gotriage.cli import main
from gotriage.sockets import live
from gotriage.sockets.parse_text import parse_bytes

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="live socket tables need Linux")

MODES = ("unread", "silent", "timewait", "closewait", "churn", "backlog", "healthy")
CONNS = 30
CHURN = 60  # requests at once: about 58 of those connections closed by the client each round
LOW = ["--idle", "1", "--time-wait", "20", "--close-wait", "10", "--slow-clients", "10"]


@pytest.fixture(scope="module")
def fixtures(go_program):
    with contextlib.ExitStack() as stack:
        running = {
            mode: stack.enter_context(
                go_program(
                    "sockstates",
                    f"-mode={mode}",
                    f"-conns={CHURN if mode == 'churn' else CONNS}",
                    "-lifetime=120s",
                )
            )
            for mode in MODES
        }
        time.sleep(1.2)  # the silent connections are now more than --idle 1 s quiet
        yield running


def port_of(program) -> int:
    return urlsplit(program.url("app")).port


def run_cli(capsys, *args: str) -> tuple[int, dict]:
    code = main(["sockets", *args, "--format", "json", "-q"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def sockets_cli(capsys, program, *extra: str) -> tuple[int, dict]:
    pid = str(program.process.pid)
    return run_cli(capsys, "--pid", pid, "--samples", "2", "--interval", "1", *LOW, *extra)


@pytest.mark.parametrize(
    ("mode", "finding", "side"),
    [
        ("unread", "zombie-connections", "server"),
        ("silent", "slow-clients", "server"),
        ("timewait", "time-wait-storm", "server"),
        ("closewait", "close-wait-pile", "client"),
        ("churn", "time-wait-storm", "client"),
        ("backlog", "accept-queue-overflow", "listen"),
    ],
)
def test_each_state_gives_its_finding(fixtures, capsys, mode, finding, side):
    program = fixtures[mode]
    if mode == "churn":  # client-side TIME-WAIT has no owner left: select by the upstream's port
        code, report = run_cli(
            capsys, "--port", str(port_of(program)), "--samples", "2", "--interval", "1", *LOW
        )
    else:
        code, report = sockets_cli(capsys, program)
    assert code == 1
    assert report["schema"] == "gotriage.sockets/1" and report["samples"] == 2
    found = {f["id"]: f for f in report["findings"]}
    assert set(found) == {finding}, report["findings"]
    assert found[finding]["side"] == side
    assert found[finding]["port"] == port_of(program)
    assert found[finding]["severity"] in ("medium", "high")
    assert found[finding]["explanation"] and found[finding]["fix"]
    if mode == "churn":
        assert found[finding]["upstream"] == f"127.0.0.1:{port_of(program)}"
        assert any("ephemeral ports (ip_local_port_range)" in e for e in found[finding]["evidence"])


def test_healthy_keep_alive_clients_get_no_finding(fixtures, capsys):
    code, report = sockets_cli(capsys, fixtures["healthy"])
    assert report["findings"] == [] and code == 0
    assert report["states"]["ESTAB"] >= CONNS  # the pool is in use, within the timeouts


def test_accept_queue_full_and_listen_overflows_growing(fixtures, capsys):
    program = fixtures["backlog"]
    code, report = run_cli(
        capsys, "--port", str(port_of(program)), "--samples", "2", "--interval", "1.5"
    )
    assert code == 1
    row = next(r for r in report["ports"] if r["port"] == port_of(program))
    assert row["backlog"] == 4 and row["accept_queue"] >= 4
    assert report["counter_growth"].get("TcpExt.ListenOverflows", 0) > 0
    evidence = " ".join(report["findings"][0]["evidence"])
    assert "ListenOverflows +" in evidence


def _port_sockets(table, port):
    return Counter(
        (s.state, s.local, s.remote, s.recv_q, s.send_q, tuple(sorted(p.pid for p in s.processes)))
        for s in table.sockets
        if port in (s.local_port, s.remote_port)
    )


def _ss(*args: str) -> bytes:
    return subprocess.run(["ss", *args], capture_output=True, check=True, timeout=60).stdout


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
@pytest.mark.parametrize("mode", ["unread", "silent", "closewait"])
def test_live_reading_agrees_with_ss_at_the_same_moment(fixtures, mode):
    program = fixtures[mode]
    port = port_of(program)
    deadline = time.monotonic() + 30
    while True:  # the states are stable; a retry only covers a socket changing between reads
        table = live.snapshot()
        text = _ss("-tanpi")
        saved = parse_bytes(text, "ss -tanpi")
        if _port_sockets(table, port) == _port_sockets(saved, port) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert _port_sockets(table, port) == _port_sockets(saved, port)
    assert sum(_port_sockets(table, port).values()) >= CONNS
    # tcp_info agrees too: the time since the last data received, within a loaded machine's skew
    live_info = {
        s.key: s.info for s in table.sockets if s.local_port == port and s.state != "LISTEN"
    }
    for sock in saved.sockets:
        if sock.key in live_info and sock.info and sock.info.last_data_recv_ms is not None:
            assert abs(sock.info.last_data_recv_ms - live_info[sock.key].last_data_recv_ms) < 5000


@pytest.mark.skipif(shutil.which("netstat") is None, reason="netstat (net-tools) is not installed")
def test_live_reading_agrees_with_netstat(fixtures):
    port = port_of(fixtures["unread"])
    table = live.snapshot()
    saved = parse_bytes(
        subprocess.run(["netstat", "-tanp"], capture_output=True, check=True, timeout=60).stdout
    )
    assert saved.format == "netstat"

    def shape(t):
        return Counter(
            (s.state, s.local, s.remote, s.recv_q)
            for s in t.sockets
            if port in (s.local_port, s.remote_port)
        )

    assert shape(table) == shape(saved)


def test_proc_fallback_reads_the_same_sockets_and_says_what_is_missing(fixtures):
    port = port_of(fixtures["unread"])
    by_netlink = live.snapshot()
    by_proc = live.snapshot(use_netlink=False)
    assert by_proc.format == "proc"
    assert any("tcp_info" in m for m in by_proc.missing) and any(
        "backlog" in m for m in by_proc.missing
    )

    def shape(t):
        return Counter(
            (s.state, s.local, s.remote, s.recv_q)
            for s in t.sockets
            if port in (s.local_port, s.remote_port) and s.state != "LISTEN"
        )

    assert shape(by_proc) == shape(by_netlink)


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
def test_saved_captures_taken_over_time_are_samples(fixtures, tmp_path, capsys):
    program = fixtures["closewait"]
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(_ss("-tanp"))
    time.sleep(1)
    second.write_bytes(_ss("-tanp"))
    code, report = run_cli(capsys, str(first), str(second), "--pid", str(program.process.pid), *LOW)
    assert code == 1 and report["samples"] == 2
    assert [f["id"] for f in report["findings"]] == ["close-wait-pile"]


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
@pytest.mark.parametrize(
    ("mode", "args", "finding"),
    [("timewait", ("-tan",), "time-wait-storm"), ("backlog", ("-tanpi",), "accept-queue-overflow")],
)
def test_saved_ss_output_gives_the_same_finding(fixtures, tmp_path, capsys, mode, args, finding):
    saved = tmp_path / "ss.txt"
    saved.write_bytes(_ss(*args))
    code, report = run_cli(capsys, str(saved), "--port", str(port_of(fixtures[mode])), *LOW)
    assert code == 1 and [f["id"] for f in report["findings"]] == [finding]


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        (
            "silent",
            "connection goroutines reading a request: slow clients held by a server without "
            "ReadHeaderTimeout",
        ),
        ("unread", "goroutines inside handlers"),
        ("backlog", "nothing in this process accepts on at least one of them"),
    ],
)
def test_goroutines_join_names_what_holds_the_connections(fixtures, capsys, mode, words):
    program = fixtures[mode]
    code, report = sockets_cli(capsys, program, "--goroutines", program.url("pprof"))
    assert code == 1
    assert words in report["findings"][0]["goroutines"]
    assert report["goroutines"]["total"] > 0


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to drop privileges",
)
def test_pid_without_permission_says_so_and_what_was_still_read(fixtures):
    pid = fixtures["healthy"].process.pid
    done = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-m",
            "gotriage",
            "sockets",
            "--pid",
            str(pid),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": "/tmp"},
    )
    assert done.returncode == 2, done.stderr
    assert "permission denied" in done.stderr and "still readable" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) is not installed")
def test_ipv6_and_mapped_sockets_live_agree_with_ss():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    try:
        listener = socket.socket(socket.AF_INET6)
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(("::", 0))
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    with contextlib.ExitStack() as stack:
        stack.enter_context(listener)
        listener.listen(8)
        port = listener.getsockname()[1]
        for host in ("::1", "127.0.0.1", "::1"):
            client = stack.enter_context(socket.create_connection((host, port), timeout=10))
            server = stack.enter_context(listener.accept()[0])
            client.sendall(b"x" * 123)
        assert server is not None
        deadline = time.monotonic() + 30
        while True:
            table, saved = live.snapshot(), parse_bytes(_ss("-tanpi"))
            if (
                _port_sockets(table, port) == _port_sockets(saved, port)
                or time.monotonic() > deadline
            ):
                break
            time.sleep(0.2)
        found = _port_sockets(table, port)
        assert found == _port_sockets(saved, port)
        locals_ = {key[1] for key in found}
        assert (
            f"[::1]:{port}" in locals_
            and f"127.0.0.1:{port}" in locals_
            and f"[::]:{port}" in locals_
        )
        assert sum(1 for key in found if key[0] == "ESTAB" and key[3] == 123) == 3
