"""Reading the local machine: the target port's sockets, its process, its CPU time.

Thin I/O at the edge. The sockets are read by the sockets package (sock_diag netlink, /proc
when netlink is refused) and kept only for the target's port; the stat line is parsed by
:mod:`.proc_stat`. A table that cannot be read yields nothing rather than an error.
"""

from __future__ import annotations

import os
from pathlib import Path

from gotriage.errors import InputError
from gotriage.reproduce.telemetry import proc_stat
from gotriage.sockets import live
from gotriage.sockets import states as S
from gotriage.sockets.model import SocketTable

PROC = Path("/proc")


def port_table(port: int, pid: int | None = None, proc: Path = PROC) -> SocketTable | None:
    """One snapshot of the sockets on ``port`` (either end), owners looked up in ``pid`` only."""
    try:
        table = live.snapshot(pid if pid is not None else os.getpid(), proc=proc)
    except OSError:
        return None
    table.sockets = [s for s in table.sockets if port in (s.local_port, s.remote_port)]
    return table


def pid_listening_on(port: int, proc: Path = PROC) -> int | None:
    """The process holding the listening socket of ``port`` (one we may look into), if any."""
    try:
        table = live.snapshot(None, proc=proc)
    except OSError:
        return None
    me = os.getpid()
    for sock in table.sockets:
        if sock.state == S.LISTEN and sock.local_port == port:
            for holder in sock.processes:
                if holder.pid != me:
                    return holder.pid
    return None


def stat(pid: int, proc: Path = PROC) -> proc_stat.ProcStat | None:
    try:
        return proc_stat.parse((proc / str(pid) / "stat").read_text())
    except (OSError, InputError):
        return None


def clock_ticks() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError):
        return 100
