"""The plain data of a socket table: one :class:`Socket` per TCP socket, one :class:`SocketTable`
per snapshot, whatever it was read from (sock_diag netlink, /proc/net/tcp, ss or netstat text).

Fields a source cannot give are ``None`` and the table's ``missing`` says so in words, so absent
evidence is never read as absent problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class TcpInfo:
    """The part of the kernel's ``tcp_info`` the findings use; times in milliseconds."""

    last_data_recv_ms: int | None = None
    last_data_sent_ms: int | None = None
    last_ack_recv_ms: int | None = None
    retransmits: int | None = None  # retransmissions of the current unacknowledged segment
    total_retrans: int | None = None
    unacked: int | None = None
    rtt_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Process:
    name: str
    pid: int
    fd: int | None = None


@dataclass(slots=True)
class Socket:
    """One TCP socket. ``state`` is named as ``ss`` names it (``ESTAB``, ``TIME-WAIT``, ...);
    addresses are normalised (``::ffff:10.0.0.1`` is ``10.0.0.1``, ``*``, a dual-stack
    wildcard, is ``::``, a zone such as ``%eth0`` is kept in ``interface``); port 0 is ``*``."""

    state: str
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    recv_q: int | None = None
    send_q: int | None = None
    inode: int | None = None
    uid: int | None = None
    processes: tuple[Process, ...] = ()
    info: TcpInfo | None = None
    interface: str = ""
    timer_ms: int | None = None  # time left on the socket's timer (TIME-WAIT expiry, ...)

    @property
    def key(self) -> tuple[str, int, str, int]:
        return (self.local_address, self.local_port, self.remote_address, self.remote_port)

    @property
    def local(self) -> str:
        return join_address(self.local_address, self.local_port)

    @property
    def remote(self) -> str:
        return join_address(self.remote_address, self.remote_port)


def join_address(address: str, port: int) -> str:
    text = f"[{address}]" if ":" in address else address
    return f"{text}:{port if port else '*'}"


@dataclass(slots=True)
class Issue:
    line: int
    message: str
    text: str = ""


@dataclass
class SocketTable:
    """One snapshot. ``taken_at`` is seconds (any clock, only differences matter), or ``None``
    for a saved file. ``summary`` holds ``ss -s`` style counts when no socket list was given."""

    source: str
    format: str  # netlink, proc, ss, ss-summary, netstat, proc-file
    sockets: list[Socket] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)  # /proc/net/netstat TcpExt
    sockstat: dict[str, int] = field(default_factory=dict)  # /proc/net/sockstat TCP line
    limits: dict[str, object] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)  # ss -s: state-ish counts
    taken_at: float | None = None
    has_processes: bool = False
