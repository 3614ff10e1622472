"""One live snapshot of this machine's TCP sockets: sock_diag netlink first (queues, LISTEN
backlogs and tcp_info, as ss reads them), /proc/net/tcp and tcp6 when netlink is refused
(saying what is then missing), owners from /proc/PID/fd, counters and limits."""

from __future__ import annotations

import os
import time
from pathlib import Path

from gotriage.sockets import netlink, procfs
from gotriage.sockets.model import SocketTable
from gotriage.sockets.parse_text import MISSING


def snapshot(
    pid: int | None = None, *, use_netlink: bool = True, proc: Path = procfs.PROC
) -> SocketTable:
    table = SocketTable(source="live", format="netlink")
    table.counters = procfs.read_counters(proc)  # before the sockets: growth stays conservative
    taken = time.monotonic()
    sockets = None
    if use_netlink:
        try:
            sockets = netlink.read_all()
        except netlink.NetlinkUnavailable as exc:
            table.notes.append(f"sock_diag netlink not usable ({exc.strerror or exc}): read /proc")
    if sockets is None:
        table.format = "proc"
        sockets = procfs.read_tcp(proc)
        table.missing.append(MISSING["tcp_info"].split(" (")[0] + " (netlink was not usable)")
        table.missing.append(MISSING["backlog"].split(" (")[0] + " (netlink was not usable)")
    table.sockets = sockets
    table.taken_at = taken
    owners = procfs.owners([pid] if pid is not None else None, proc)
    procfs.attach(sockets, owners)
    table.has_processes = True
    if pid is not None and pid in owners.denied:
        table.missing.append(f"the sockets of process {pid}: permission denied on /proc/{pid}/fd")
        table.has_processes = False
    elif owners.denied:
        table.missing.append(
            f"owners of the sockets of {len(owners.denied)} process(es) whose /proc/PID/fd is "
            f"not readable by uid {os.geteuid()} (run as root or as their user)"
        )
    table.sockstat = procfs.read_sockstat(proc)
    table.limits = procfs.read_limits(proc)
    if not table.counters:
        table.missing.append(MISSING["counters"].split(" (")[0] + " (/proc/net/netstat unreadable)")
    return table
