"""Parsers for the kernel's own text files: /proc/net/tcp and tcp6 rows, /proc/net/netstat
counters and /proc/net/sockstat. Text in, model objects out; no I/O.

/proc/net/tcp gives queues, state, timer, uid and inode, but no tcp_info, no process and, for
LISTEN sockets, only the accept queue's length (``rx_queue``), not its backlog.
"""

from __future__ import annotations

import ipaddress

from gotriage.sockets.addresses import normalise
from gotriage.sockets.model import Socket
from gotriage.sockets.states import BY_NUMBER

USER_HZ = 100  # tm->when is printed in clock ticks


def _ipv4(hexed: str) -> str:
    value = int(hexed, 16)
    return ipaddress.IPv4Address(value.to_bytes(4, "little")).compressed


def _ipv6(hexed: str) -> str:
    raw = b"".join(int(hexed[i : i + 8], 16).to_bytes(4, "little") for i in range(0, 32, 8))
    return normalise(ipaddress.IPv6Address(raw).compressed)


def decode_endpoint(text: str) -> tuple[str, int]:
    """``0100007F:0CEA`` -> ``("127.0.0.1", 3306)``; ValueError when it is not one."""
    host, _, port = text.partition(":")
    if len(port) != 4:
        raise ValueError(text)
    if len(host) == 8:
        return _ipv4(host), int(port, 16)
    if len(host) == 32:
        return _ipv6(host), int(port, 16)
    raise ValueError(text)


def parse_tcp_row(fields: list[str]) -> Socket:
    """One data row of /proc/net/tcp or tcp6, split on whitespace. ValueError if malformed."""
    if len(fields) < 10 or not fields[0].endswith(":"):
        raise ValueError("not a /proc/net/tcp row")
    local, local_port = decode_endpoint(fields[1])
    remote, remote_port = decode_endpoint(fields[2])
    state = BY_NUMBER.get(int(fields[3], 16), "UNKNOWN")
    tx, _, rx = fields[4].partition(":")
    timer, _, when = fields[5].partition(":")
    timer_ms = int(when, 16) * 1000 // USER_HZ if timer.strip("0") else None
    return Socket(
        state,
        local,
        local_port,
        remote,
        remote_port,
        recv_q=int(rx, 16),
        send_q=None if state == "LISTEN" else int(tx, 16),
        inode=int(fields[9]),
        uid=int(fields[7]),
        timer_ms=timer_ms,
    )


def parse_counter_lines(header: str, values: str) -> dict[str, int]:
    """A pair of /proc/net/netstat (or snmp) lines: ``TcpExt: A B`` / ``TcpExt: 1 2``.
    Counters are prefixed with their group (``TcpExt.ListenOverflows``)."""
    names, numbers = header.split(), values.split()
    if not names or names[0] != numbers[0] or len(names) != len(numbers):
        raise ValueError("counter lines do not match")
    group = names[0].rstrip(":")
    return {f"{group}.{n}": int(v) for n, v in zip(names[1:], numbers[1:], strict=True)}


def parse_sockstat_tcp(line: str) -> dict[str, int]:
    """``TCP: inuse 6 orphan 0 tw 139 alloc 6 mem 127`` -> {inuse: 6, ...}."""
    fields = line.split()
    if not fields or fields[0] not in ("TCP:", "TCP6:"):
        raise ValueError("not a sockstat TCP line")
    pairs = fields[1:]
    if len(pairs) % 2:
        raise ValueError("odd sockstat line")
    return {pairs[i]: int(pairs[i + 1]) for i in range(0, len(pairs), 2)}
