"""The /proc readers: the socket table and the process's stat line, from this machine and by
hand for shapes it does not have."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.errors import InputError
from gotriage.reproduce.telemetry import local, proc_stat, tcp_table

HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode"
)
ROWS = [
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 "
    "       0 12345 1 0000000000000000 100 0 0 10 0",
    "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000 "
    "       0 12346 1 0000000000000000 20 4 30 10 -1",
    "   2: 0100007F:1F90 0100007F:D432 06 00000000:00000000 03:00001770 00000000     0 "
    "       0 0 3 0000000000000000",
    "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000  1000        0 22222 1 0000000000000000 100 0 0 10 0",
]
EXPECTED = [
    tcp_table.Socket(8080, 0, "LISTEN", 12345),
    tcp_table.Socket(8080, 54321, "ESTABLISHED", 12346),
    tcp_table.Socket(8080, 54322, "TIME_WAIT", 0),
    tcp_table.Socket(8080, 0, "LISTEN", 22222),
]


def test_table_whole():
    sockets = tcp_table.parse([HEADER, *ROWS])
    assert sockets == EXPECTED
    assert tcp_table.states_of_port(sockets, 8080) == {
        "ESTABLISHED": 1,
        "LISTEN": 2,
        "TIME_WAIT": 1,
    }
    assert tcp_table.listening_inodes(sockets, 8080) == {12345, 22222}


@pytest.mark.parametrize(("row", "expected"), list(zip(ROWS, EXPECTED, strict=True)))
def test_table_line_by_line(row, expected):
    assert tcp_table.parse_line(row) == expected


def test_table_trailing_junk_names_the_line():
    with pytest.raises(InputError, match="tcp:7"):
        tcp_table.parse([HEADER, *ROWS, "", "garbage"], source="tcp")


@given(st.text(max_size=200))
def test_table_any_text_only_input_error(text):
    with contextlib.suppress(InputError):
        tcp_table.parse(text.splitlines())


def test_this_machine_sees_a_listener_of_ours():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        table = local.sockets()
        assert table is not None
        assert tcp_table.states_of_port(table, port) == {"LISTEN": 1}
        # The process search skips this process, so a child must hold the socket to be found.
        assert local.pid_listening_on(port) is None


@pytest.mark.parametrize(
    "text",
    [
        Path("/proc/self/stat").read_text(),
        "4242 (go (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 7 0 100 "
        "1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0",
    ],
)
def test_stat(text):
    stat = proc_stat.parse(text)
    assert stat.threads >= 1 and stat.cpu_ticks >= 0
    if "weird" in text:
        assert stat == proc_stat.ProcStat(175, 7)


def test_stat_of_this_process():
    stat = local.stat(os.getpid())
    assert stat is not None and stat.threads >= 1


@given(st.text(max_size=300))
def test_stat_any_text_only_input_error(text):
    with contextlib.suppress(InputError):
        proc_stat.parse(text)
