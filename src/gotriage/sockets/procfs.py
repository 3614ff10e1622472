"""The /proc side of a live reading: the socket tables as a fallback for netlink, the owner
of each socket inode from /proc/PID/fd, the kernel's counters and the limits that decide
drops and port exhaustion. Thin I/O around the parsers of :mod:`parse_proc`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from gotriage.sockets.model import Process, Socket
from gotriage.sockets.parse_proc import parse_counter_lines, parse_sockstat_tcp, parse_tcp_row

PROC = Path("/proc")
LIMITS = {
    "ip_local_port_range": "sys/net/ipv4/ip_local_port_range",
    "somaxconn": "sys/net/core/somaxconn",
    "tcp_fin_timeout": "sys/net/ipv4/tcp_fin_timeout",
    "tcp_tw_reuse": "sys/net/ipv4/tcp_tw_reuse",
    "tcp_max_tw_buckets": "sys/net/ipv4/tcp_max_tw_buckets",
    "tcp_max_syn_backlog": "sys/net/ipv4/tcp_max_syn_backlog",
}


def read_tcp(proc: Path = PROC) -> list[Socket]:
    sockets: list[Socket] = []
    for name in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / name).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue  # no IPv6 in this kernel
        for line in lines:
            fields = line.split()
            if fields:
                sockets.append(parse_tcp_row(fields))
    return sockets


def read_counters(proc: Path = PROC) -> dict[str, int]:
    counters: dict[str, int] = {}
    try:
        lines = (proc / "net" / "netstat").read_text().splitlines()
    except OSError:
        return counters
    for header, values in zip(lines[::2], lines[1::2], strict=False):
        try:
            counters.update(parse_counter_lines(header, values))
        except ValueError:
            continue
    return counters


def read_sockstat(proc: Path = PROC) -> dict[str, int]:
    try:
        for line in (proc / "net" / "sockstat").read_text().splitlines():
            if line.startswith("TCP:"):
                return parse_sockstat_tcp(line)
    except (OSError, ValueError):
        pass
    return {}


def read_limits(proc: Path = PROC) -> dict[str, object]:
    limits: dict[str, object] = {}
    for name, path in LIMITS.items():
        try:
            numbers = [int(n) for n in (proc / path).read_text().split()]
        except (OSError, ValueError):
            continue
        limits[name] = numbers if len(numbers) > 1 else numbers[0]
    return limits


@dataclass
class Owners:
    """Socket inode -> the processes holding it, and which processes could not be read."""

    by_inode: dict[int, list[Process]] = field(default_factory=dict)
    denied: list[int] = field(default_factory=list)
    scanned: int = 0


def _comm(pid: int, proc: Path) -> str:
    try:
        return (proc / str(pid) / "comm").read_text().strip()
    except OSError:
        return "?"


def owners(pids: list[int] | None = None, proc: Path = PROC) -> Owners:
    """Scan /proc/PID/fd (every process, or ``pids``) for ``socket:[INODE]`` links.

    os.listdir/os.readlink on strings: a process may hold tens of thousands of sockets."""
    found = Owners()
    if pids is None:
        pids = [int(n) for n in os.listdir(proc) if n.isdigit()]  # noqa: PTH208
    for pid in pids:
        fd_dir = f"{proc}/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)  # noqa: PTH208 - thousands of fds: plain strings
        except PermissionError:
            found.denied.append(pid)
            continue
        except OSError:
            continue  # gone in the meantime
        found.scanned += 1
        name = ""
        for fd in fds:
            try:
                link = os.readlink(f"{fd_dir}/{fd}")  # noqa: PTH115
            except OSError:
                continue
            if link.startswith("socket:["):
                name = name or _comm(pid, proc)
                inode = int(link[8:-1])
                found.by_inode.setdefault(inode, []).append(Process(name, pid, int(fd)))
    return found


def attach(sockets: list[Socket], found: Owners) -> None:
    by_inode = found.by_inode
    for sock in sockets:
        if sock.inode:
            holders = by_inode.get(sock.inode)
            if holders:
                sock.processes = tuple(holders)
