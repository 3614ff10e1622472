"""Reading the local machine's tables: the target port's sockets, its process, its CPU.

Thin I/O at the edge; the parsing lives in :mod:`.tcp_table` and :mod:`.proc_stat`. Each read is
one small file, and a table that cannot be read yields nothing rather than an error.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from gotriage.errors import InputError
from gotriage.reproduce.telemetry import proc_stat, tcp_table

PROC = Path("/proc")
TABLES = ("net/tcp", "net/tcp6")


def sockets(proc: Path = PROC) -> list[tcp_table.Socket] | None:
    found: list[tcp_table.Socket] = []
    read_any = False
    for table in TABLES:
        path = proc / table
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        read_any = True
        with contextlib.suppress(InputError):
            found.extend(tcp_table.parse(text.splitlines(), source=str(path)))
    return found if read_any else None


def pid_listening_on(port: int, proc: Path = PROC) -> int | None:
    """The process holding the listening socket of ``port`` (one we may look into), if any."""
    table = sockets(proc)
    inodes = tcp_table.listening_inodes(table or [], port)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if str(fd.readlink()) in wanted:
                        return int(entry.name)
        except OSError:
            continue
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
