"""Every saved table format, whole, line by line and inside junk, from one table of cases.

The files under cases/ are real captures of ss, netstat and /proc from the machine the tests
were written on, except hand_*.txt: shapes no program here produces (zones, request sockets,
states a loopback test cannot hold)."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gotriage.errors import InputError
from gotriage.sockets.parse_text import TableParser, parse_bytes, parse_chunks, parse_lines

CASES = Path(__file__).parent / "cases"

# file: (format, states, processes known, tcp_info known)
EXPECTED = {
    "ss_tan_ipv6.txt": (
        "ss",
        {"ESTAB": 4, "LISTEN": 1, "CLOSE-WAIT": 1, "FIN-WAIT-2": 1},
        False,
        False,
    ),
    "ss_tanp_ipv6.txt": (
        "ss",
        {"ESTAB": 4, "LISTEN": 1, "CLOSE-WAIT": 1, "FIN-WAIT-2": 1},
        True,
        False,
    ),
    "ss_tanpi_ipv6.txt": (
        "ss",
        {"ESTAB": 4, "LISTEN": 1, "CLOSE-WAIT": 1, "FIN-WAIT-2": 1},
        True,
        True,
    ),
    "netstat_tan_ipv6.txt": (
        "netstat",
        {"ESTAB": 4, "LISTEN": 1, "CLOSE-WAIT": 1, "FIN-WAIT-2": 1},
        False,
        False,
    ),
    "netstat_tanp_ipv6.txt": (
        "netstat",
        {"ESTAB": 4, "LISTEN": 1, "CLOSE-WAIT": 1, "FIN-WAIT-2": 1},
        True,
        False,
    ),
    "proc_net_tcp6.txt": (
        "proc",
        {"ESTAB": 3, "LISTEN": 1, "CLOSE-WAIT": 1, "FIN-WAIT-2": 1},
        False,
        False,
    ),
    "proc_net_tcp.txt": ("proc", {"ESTAB": 1}, False, False),
    "ss_tano_timers.txt": ("ss", {"ESTAB": 2, "LISTEN": 1, "TIME-WAIT": 1}, False, False),
    "ss_an_netid.txt": ("ss", {"ESTAB": 2, "LISTEN": 1, "TIME-WAIT": 1}, False, False),
    "ss_tan_state_filter.txt": ("ss", {"UNKNOWN": 2}, False, False),
    "netstat_tano_timers.txt": ("netstat", {"ESTAB": 2, "LISTEN": 1, "TIME-WAIT": 1}, False, False),
    "ss_s.txt": ("ss-summary", {}, False, False),
    "proc_net_netstat.txt": ("counters", {}, False, False),
    "hand_shapes.txt": (
        "ss",
        {
            "LISTEN": 2,
            "ESTAB": 1,
            "SYN-RECV": 1,
            "LAST-ACK": 1,
            "CLOSING": 1,
            "FIN-WAIT-1": 1,
            "UNCONN": 1,
            "SYN-SENT": 1,
        },
        True,
        False,
    ),
    "hand_netstat_spellings.txt": (
        "netstat",
        {"SYN-RECV": 1, "LAST-ACK": 1, "CLOSING": 1, "FIN-WAIT-1": 1, "UNCONN": 1, "ESTAB": 2},
        True,
        False,
    ),
}


def test_every_case_file_is_in_the_table():
    assert sorted(p.name for p in CASES.glob("*.txt")) == sorted(EXPECTED)


def _shape(table):
    return [
        (
            s.state,
            s.local_address,
            s.local_port,
            s.remote_address,
            s.remote_port,
            s.recv_q,
            s.send_q,
            s.processes,
            s.info,
            s.interface,
            s.timer_ms,
        )
        for s in table.sockets
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_whole(name):
    fmt, states, processes, info = EXPECTED[name]
    table = parse_bytes((CASES / name).read_bytes(), name)
    assert table.format == fmt
    assert Counter(s.state for s in table.sockets) == Counter(states)
    assert table.issues == []
    if states:
        assert table.has_processes is processes
        assert any(s.info and s.info.last_data_recv_ms is not None for s in table.sockets) is info
        assert any("tcp_info" in m for m in table.missing) is not info


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_line_by_line_is_the_same(name):
    text = (CASES / name).read_text()
    parser = TableParser(name)
    for line in text.splitlines(keepends=True):
        parser.feed(line)
    assert _shape(parser.close()) == _shape(parse_bytes(text.encode(), name))


JUNK_BEFORE = ["$ kubectl exec api-0 -- ss -tanpi", "2026-12-01T10:00:00Z starting capture", ""]
JUNK_AFTER = ["$ exit", "Connection to host closed.", "\x00\x01garbage ::: 1 2"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_inside_junk(name):
    lines = (CASES / name).read_text().splitlines()
    table = parse_lines([*JUNK_BEFORE, *lines, *JUNK_AFTER], name)
    assert _shape(table) == _shape(parse_lines(lines, name))
    assert [i.line for i in table.issues] == [
        1,
        2,
        len(JUNK_BEFORE) + len(lines) + 1,
        len(JUNK_BEFORE) + len(lines) + 2,
        len(JUNK_BEFORE) + len(lines) + 3,
    ]


def test_ipv6_forms():
    table = parse_bytes((CASES / "ss_tanp_ipv6.txt").read_bytes())
    by_state = {(s.state, s.recv_q): s for s in table.sockets}
    mapped = by_state[("ESTAB", 500)]
    assert (mapped.local_address, mapped.remote_address) == ("127.0.0.1", "127.0.0.1")
    v6 = by_state[("ESTAB", 77)]
    assert v6.local_address == "::1" and v6.processes[0].name == "python3"
    netstat = parse_bytes((CASES / "netstat_tan_ipv6.txt").read_bytes())
    assert sorted(s.key for s in netstat.sockets) == sorted(s.key for s in table.sockets)


def test_zones_processes_and_timers():
    table = parse_bytes((CASES / "hand_shapes.txt").read_bytes())
    resolver, sshd = table.sockets[0], table.sockets[1]
    assert (resolver.local_address, resolver.interface, resolver.local_port) == (
        "127.0.0.53",
        "lo",
        53,
    )
    assert sshd.local_address == "::" and [p.pid for p in sshd.processes] == [901, 900]
    link_local = table.sockets[2]
    assert (link_local.local_address, link_local.interface) == ("fe80::1", "eth0")
    assert table.sockets[-1].processes[0].name == "my app"
    timers = parse_bytes((CASES / "ss_tano_timers.txt").read_bytes())
    assert {s.state: s.timer_ms for s in timers.sockets if s.timer_ms}["TIME-WAIT"] == 59_000
    netstat = parse_bytes((CASES / "netstat_tano_timers.txt").read_bytes())
    assert {s.state: s.timer_ms for s in netstat.sockets if s.timer_ms}["TIME-WAIT"] == 59_640


def test_tcp_info_fields():
    table = parse_bytes((CASES / "ss_tanpi_ipv6.txt").read_bytes())
    estab = next(s for s in table.sockets if s.recv_q == 77)
    assert estab.info is not None
    assert estab.info.last_data_recv_ms == 332 and estab.info.rtt_ms == pytest.approx(0.016)


def test_proc_rows_decode_addresses_and_queues():
    table = parse_bytes((CASES / "proc_net_tcp6.txt").read_bytes())
    listen = next(s for s in table.sockets if s.state == "LISTEN")
    assert listen.local_address == "::" and listen.send_q is None  # no backlog in /proc
    assert {s.recv_q for s in table.sockets if s.state == "ESTAB"} == {500, 77, 0}
    assert any("backlog" in m for m in table.missing)


def test_summary_and_counters():
    summary = parse_bytes((CASES / "ss_s.txt").read_bytes())
    assert summary.summary["timewait"] == 529 and summary.summary["estab"] == 7
    counters = parse_bytes((CASES / "proc_net_netstat.txt").read_bytes())
    assert counters.counters["TcpExt.ListenOverflows"] == 1479
    assert counters.sockstat["tw"] == 529


def test_state_filter_says_states_are_missing():
    table = parse_bytes((CASES / "ss_tan_state_filter.txt").read_bytes())
    assert any("state filter" in m for m in table.missing)


@pytest.mark.parametrize(
    "text", ["", "\n\n", "<html>502 Bad Gateway</html>", "404 page not found\n"]
)
def test_no_table_is_an_input_error(text):
    with pytest.raises(InputError, match="no socket table found"):
        parse_bytes(text.encode(), "x.txt")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=30))
def test_arbitrary_text_gives_a_table_or_input_error(lines):
    with contextlib.suppress(InputError):
        parse_lines(lines)


_ROWISH = st.sampled_from(
    [
        "ESTAB 0 0 127.0.0.1:80 127.0.0.1:5000",
        "tcp 0 0 ::1:80 ::1:* LISTEN -",
        "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
        "\t lastrcv:x rtt:y/z retrans:a/b",
        "TcpExt: ListenOverflows",
        "TcpExt: 1 2",
        "TCP:   12 (estab 3, closed 2, orphaned 0, timewait 2)",
        "TCP: inuse x",
        "LISTEN 0 4096 [::1:80 *:*",
        "tcp6 1 2 3 4 5 6",
        "99: ZZ:ZZ 1:2 0A",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ROWISH, st.text(max_size=40)), max_size=20))
def test_damaged_rows_give_a_table_or_input_error(lines):
    with contextlib.suppress(InputError):
        parse_lines(lines)


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_streamed_in_chunks_is_the_same(size):
    data = (CASES / "ss_tanpi_ipv6.txt").read_bytes().replace(b"\n", b"\r\n") + "é\n".encode()
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    assert _shape(parse_chunks(chunks)) == _shape(parse_bytes(data))


def test_a_line_without_end_is_cut_with_an_issue():
    rows = (CASES / "ss_tan_ipv6.txt").read_bytes()
    table = parse_chunks([rows, b"x" * 300_000, b"y" * 300_000])
    assert len(table.sockets) == 7
    assert [i.message for i in table.issues] == [
        "line longer than 64 KiB, cut",
        "not a socket table row",
    ]
