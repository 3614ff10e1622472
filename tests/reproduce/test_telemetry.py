"""The local readers: the target port's sockets and process (through the sockets package) and
the process's stat line, from this machine and by hand for shapes it does not have."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.errors import InputError
from gotriage.reproduce import runner
from gotriage.reproduce.telemetry import local, proc_stat
from gotriage.sockets import states as S


def test_this_machine_sees_a_listener_of_ours():
    """The sockets of the port through the sockets package, in ss names; the process search
    skips this process, so a child must hold the socket to be found."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        table = local.port_table(port)
        assert table is not None and table.format in ("netlink", "proc")
        assert {s.local_port for s in table.sockets} == {port}
        assert runner.port_states(table, port) == {S.LISTEN: 1}
        assert local.pid_listening_on(port) is None


@pytest.mark.slow
def test_the_process_on_the_port_is_found(go_program):
    with go_program("reproserver", "-lifetime=30s") as server:
        port = urlsplit(server.url("app")).port
        assert local.pid_listening_on(port) == server.process.pid


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
