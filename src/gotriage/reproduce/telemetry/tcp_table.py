"""A small reader of ``/proc/net/tcp`` and ``/proc/net/tcp6``: lines in, sockets out.

Only what ``reproduce`` needs: each socket's local and remote port, state and inode, to count
the target port's sockets by state and to find the process that listens on it. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gotriage.errors import InputError

# include/net/tcp_states.h
STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
    12: "NEW_SYN_RECV",
}


@dataclass(frozen=True, slots=True)
class Socket:
    local_port: int
    remote_port: int
    state: str
    inode: int


def parse_line(line: str, *, source: str = "", number: int = 0) -> Socket | None:
    """One table row; None for the header line and blank lines, InputError for anything else."""
    fields = line.split()
    if not fields or fields[0] == "sl":
        return None
    try:
        local, remote, state = fields[1], fields[2], int(fields[3], 16)
        local_port = int(local.rsplit(":", 1)[1], 16)
        remote_port = int(remote.rsplit(":", 1)[1], 16)
        inode = int(fields[9])
    except (IndexError, ValueError):
        raise InputError("not a /proc/net/tcp row", source=source, line=number) from None
    if not fields[0].endswith(":") or ":" not in local or ":" not in remote:
        raise InputError("not a /proc/net/tcp row", source=source, line=number)
    return Socket(local_port, remote_port, STATES.get(state, f"state {state}"), inode)


def parse(lines: Iterable[str], *, source: str = "") -> list[Socket]:
    sockets = []
    for number, line in enumerate(lines, 1):
        sock = parse_line(line, source=source, number=number)
        if sock is not None:
            sockets.append(sock)
    return sockets


def states_of_port(sockets: Iterable[Socket], port: int) -> dict[str, int]:
    """The server side of ``port``: sockets whose local port it is, counted by state."""
    counts: dict[str, int] = {}
    for sock in sockets:
        if sock.local_port == port:
            counts[sock.state] = counts.get(sock.state, 0) + 1
    return dict(sorted(counts.items()))


def listening_inodes(sockets: Iterable[Socket], port: int) -> set[int]:
    return {s.inode for s in sockets if s.local_port == port and s.state == "LISTEN" and s.inode}
