"""Socket snapshots in, findings and tables out. No I/O.

A socket on a LISTEN port of this snapshot (same address, or a wildcard listener on the port)
is server side; every other connected socket is client side. One snapshot cannot tell a zombie
from a busy connection nor a storm from a burst, so findings say how many samples back them and
grow in confidence with persistence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from gotriage.errors import UsageError
from gotriage.knowledge import socket_findings as K
from gotriage.model import Confidence, Severity
from gotriage.sockets import states as S
from gotriage.sockets.model import Socket, SocketTable

SERVER, CLIENT, LISTENING = "server", "client", "listen"
WILDCARDS = frozenset({"0.0.0.0", "::"})
TOP = 10


@dataclass(frozen=True)
class Settings:
    idle_seconds: float = K.IDLE_SECONDS
    slow_clients_min: int = K.SLOW_CLIENTS_MIN
    stale_seconds: float = K.STALE_SECONDS
    time_wait_min: int = K.TIME_WAIT_MIN
    close_wait_min: int = K.CLOSE_WAIT_MIN
    port: int | None = None
    pid: int | None = None


@dataclass
class SocketFinding:
    id: str
    severity: Severity
    confidence: Confidence
    side: str | None  # server, client or None (machine-wide)
    port: int | None  # the server port, or the upstream's port for client side
    upstream: str | None  # client side: the remote address:port
    count: int
    message: str
    evidence: list[str]
    examples: list[str] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)
    goroutines: str | None = None  # what the goroutine dump says about the same connections

    @property
    def title(self) -> str:
        return K.FINDINGS[self.id].title

    @property
    def explanation(self) -> str:
        return K.FINDINGS[self.id].explanation

    @property
    def fix(self) -> str:
        return K.FINDINGS[self.id].fix


@dataclass
class PortRow:
    port: int
    addresses: list[str]
    processes: list[str]
    backlog: int | None
    accept_queue: int | None
    states: Counter[str]
    recv_q: int
    send_q: int


@dataclass
class SocketsAnalysis:
    sources: list[str]
    format: str
    samples: int
    span_seconds: float | None
    total: int
    states: Counter[str]
    sides: dict[str, Counter[str]]
    ports: list[PortRow]
    upstreams: list[tuple[str, Counter[str]]]
    remote_addresses: list[tuple[str, int]]
    findings: list[SocketFinding]
    missing: list[str]
    notes: list[str]
    issues: list[tuple[str, int, str]]
    counters: dict[str, int]
    counter_growth: dict[str, int]
    sockstat: dict[str, int]
    limits: dict[str, object]
    settings: Settings
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def worst(self) -> Severity | None:
        ranked = sorted((f.severity for f in self.findings), key=lambda s: s.rank)
        return ranked[-1] if ranked else None


def _listeners(table: SocketTable) -> tuple[set[tuple[str, int]], set[int]]:
    exact, wildcard = set(), set()
    for sock in table.sockets:
        if sock.state == S.LISTEN:
            if sock.local_address in WILDCARDS:
                wildcard.add(sock.local_port)
            else:
                exact.add((sock.local_address, sock.local_port))
    return exact, wildcard


def side_of(sock: Socket, exact: set[tuple[str, int]], wildcard: set[int]) -> str:
    if sock.state == S.LISTEN:
        return LISTENING
    if sock.local_port in wildcard or (sock.local_address, sock.local_port) in exact:
        return SERVER
    return CLIENT


def _pids(sock: Socket) -> set[int]:
    return {p.pid for p in sock.processes}


def _select(table: SocketTable, settings: Settings) -> list[tuple[Socket, str]]:
    exact, wildcard = _listeners(table)
    chosen: list[tuple[Socket, str]] = []
    pid_ports: set[int] = set()
    if settings.pid is not None:
        pid_ports = {
            s.local_port for s in table.sockets if s.state == S.LISTEN and settings.pid in _pids(s)
        }
    for sock in table.sockets:
        side = side_of(sock, exact, wildcard)
        if settings.port is not None and settings.port not in (sock.local_port, sock.remote_port):
            continue
        if settings.pid is not None:
            held = settings.pid in _pids(sock)
            orphan_of_server = not sock.processes and side == SERVER
            if not held and not (orphan_of_server and sock.local_port in pid_ports):
                continue
        if settings.port is not None and side == CLIENT and sock.local_port == settings.port:
            side = SERVER  # the port named is a service even when its listener is not shown
        chosen.append((sock, side))
    return chosen


def _proc_names(socks: Iterable[Socket]) -> list[str]:
    names = Counter(f"{p.name} (pid {p.pid})" for s in socks for p in s.processes)
    return [n for n, _ in names.most_common(3)]


def _sev(count: int, minimum: int) -> Severity:
    return Severity.HIGH if count >= minimum * K.MANY else Severity.MEDIUM


def _secs(ms: int | None) -> str:
    return "?" if ms is None else f"{ms / 1000:.0f} s"


class _Samples:
    """The snapshots, each with its selected sockets, and what persists across them."""

    def __init__(self, tables: list[SocketTable], settings: Settings) -> None:
        self.tables = tables
        self.selected = [_select(t, settings) for t in tables]
        self.last = self.selected[-1]
        self.many = len(tables) > 1

    def keys(self, index: int, state: str) -> set[tuple[str, int, str, int]]:
        return {s.key for s, _ in self.selected[index] if s.state == state}

    def persistent(self, state: str, predicate: object = None) -> set[tuple[str, int, str, int]]:
        keys: set[tuple[str, int, str, int]] | None = None
        for selected in self.selected:
            now = {
                s.key
                for s, side in selected
                if s.state == state and (predicate is None or predicate(s, side))  # type: ignore[operator]
            }
            keys = now if keys is None else keys & now
        return keys or set()

    def span(self) -> float | None:
        times = [t.taken_at for t in self.tables if t.taken_at is not None]
        if len(times) < 2:
            return None
        return max(times) - min(times)


def _group_key(sock: Socket, side: str) -> tuple[str, int, str | None]:
    if side == SERVER:
        return (SERVER, sock.local_port, None)
    return (CLIENT, sock.remote_port, sock.remote)


def _zombies(samples: _Samples, settings: Settings) -> list[SocketFinding]:
    def unread(s: Socket, side: str) -> bool:
        return side == SERVER and bool(s.recv_q)

    keys = samples.persistent(S.ESTAB, unread)
    groups: dict[int, list[Socket]] = defaultdict(list)
    stale_ms = settings.stale_seconds * 1000
    for sock, _side in samples.last:
        if sock.key not in keys:
            continue
        old = sock.info is not None and (sock.info.last_data_recv_ms or 0) >= stale_ms
        if samples.many or old or sock.info is None:
            groups[sock.local_port].append(sock)
    found = []
    for port, socks in groups.items():
        timed = [s for s in socks if s.info is not None and s.info.last_data_recv_ms is not None]
        evidence = [f"{len(socks)} server-side ESTAB connection(s) on port {port} with Recv-Q > 0"]
        if samples.many:
            evidence.append(f"unread data in every one of {len(samples.tables)} samples")
        if timed:
            oldest = max(s.info.last_data_recv_ms or 0 for s in timed if s.info)
            evidence.append(f"last data received up to {_secs(oldest)} ago and still unread")
        queued = sum(s.recv_q or 0 for s in socks)
        evidence.append(f"{queued} bytes waiting in Recv-Q in all")
        strong = samples.many or bool(timed)
        found.append(
            SocketFinding(
                "zombie-connections",
                _sev(len(socks), 1) if strong else Severity.LOW,
                Confidence.HIGH if strong else Confidence.LOW,
                SERVER,
                port,
                None,
                len(socks),
                f"{len(socks)} server connection(s) on port {port} hold data the server does not "
                "read" + ("" if strong else " (one snapshot: take --samples to confirm)"),
                evidence,
                [f"{s.local} <- {s.remote} Recv-Q {s.recv_q}" for s in socks[:3]],
                _proc_names(socks),
            )
        )
    return found


def _slow_clients(samples: _Samples, settings: Settings) -> list[SocketFinding]:
    idle_ms = settings.idle_seconds * 1000
    present = samples.persistent(S.ESTAB)
    groups: dict[int, list[Socket]] = defaultdict(list)
    for sock, side in samples.last:
        info = sock.info
        if side != SERVER or sock.state != S.ESTAB or sock.key not in present or info is None:
            continue
        if sock.recv_q or info.last_data_recv_ms is None or info.last_data_sent_ms is None:
            continue
        if min(info.last_data_recv_ms, info.last_data_sent_ms) >= idle_ms:
            groups[sock.local_port].append(sock)
    found = []
    for port, socks in groups.items():
        if len(socks) < settings.slow_clients_min:
            continue
        quiet = [
            min(s.info.last_data_recv_ms or 0, s.info.last_data_sent_ms or 0)
            for s in socks
            if s.info
        ]
        sent_nothing = sum(
            1 for s in socks if s.info and s.info.last_data_recv_ms == s.info.last_data_sent_ms
        )
        evidence = [
            f"{len(socks)} server-side ESTAB connections on port {port} with no data either way "
            f"for at least {settings.idle_seconds:g} s (up to {_secs(max(quiet))})",
        ]
        if sent_nothing:
            evidence.append(f"{sent_nothing} of them never exchanged data since they connected")
        remotes = Counter(s.remote_address for s in socks)
        evidence.append("from " + ", ".join(f"{a} ({n})" for a, n in remotes.most_common(3)))
        found.append(
            SocketFinding(
                "slow-clients",
                _sev(len(socks), settings.slow_clients_min),
                Confidence.HIGH if samples.many else Confidence.MEDIUM,
                SERVER,
                port,
                None,
                len(socks),
                f"{len(socks)} server connections on port {port} idle for "
                f"{settings.idle_seconds:g} s or more",
                evidence,
                [
                    f"{s.local} <- {s.remote} idle "
                    f"{_secs(min(s.info.last_data_recv_ms or 0, s.info.last_data_sent_ms or 0))}"
                    for s in socks[:3]
                    if s.info
                ],
                _proc_names(socks),
            )
        )
    return found


def _port_range(limits: dict[str, object]) -> int | None:
    value = limits.get("ip_local_port_range")
    if isinstance(value, list) and len(value) == 2:
        return int(value[1]) - int(value[0]) + 1
    return None


def _time_wait(
    samples: _Samples,
    settings: Settings,
    limits: dict[str, object],
    growth: dict[str, int],
    sockstat: dict[str, int],
) -> list[SocketFinding]:
    groups: dict[tuple[str, int, str | None], list[Socket]] = defaultdict(list)
    for sock, side in samples.last:
        if sock.state == S.TIME_WAIT:
            groups[_group_key(sock, side)].append(sock)
    span = samples.span()
    first = samples.selected[0]
    found = []
    range_size = _port_range(limits)
    for (side, port, upstream), socks in groups.items():
        if len(socks) < settings.time_wait_min:
            continue
        evidence = [
            f"{len(socks)} TIME-WAIT sockets "
            + (f"on server port {port}" if side == SERVER else f"towards {upstream}")
        ]
        severity = _sev(len(socks), settings.time_wait_min)
        if span:
            before = {
                s.key
                for s, sd in first
                if s.state == S.TIME_WAIT and _group_key(s, sd) == (side, port, upstream)
            }
            new = sum(1 for s in socks if s.key not in before)
            evidence.append(f"{new / span:.0f} new per second over {span:.0f} s")
        if side == SERVER:
            evidence.append("the server closed these connections first")
        else:
            used = sum(1 for s, sd in samples.last if sd == CLIENT and s.remote == upstream)
            if range_size:
                share = used / range_size
                evidence.append(
                    f"{used} of the {range_size} ephemeral ports (ip_local_port_range) in use "
                    f"towards {upstream}: {share:.1%}"
                )
                if share >= K.PORT_RANGE_HIGH:
                    severity = Severity.HIGH
        buckets, in_tw = limits.get("tcp_max_tw_buckets"), sockstat.get("tw")
        if isinstance(buckets, int) and buckets and in_tw is not None:
            evidence.append(
                f"{in_tw} TIME-WAIT on the machine of tcp_max_tw_buckets {buckets} "
                f"({in_tw / buckets:.0%}); beyond it the kernel drops them (TCPTimeWaitOverflow)"
            )
        overflow = growth.get("TcpExt.TCPTimeWaitOverflow", 0)
        if overflow:
            evidence.append(
                f"TCPTimeWaitOverflow grew by {overflow}: the kernel dropped TIME-WAIT entries"
            )
            severity = Severity.HIGH
        reuse = limits.get("tcp_tw_reuse")
        if reuse is not None and side == CLIENT:
            evidence.append(f"net.ipv4.tcp_tw_reuse = {reuse}")
        where = f"server port {port}" if side == SERVER else f"upstream {upstream}"
        found.append(
            SocketFinding(
                "time-wait-storm",
                severity,
                Confidence.HIGH if span else Confidence.MEDIUM,
                side,
                port,
                upstream,
                len(socks),
                f"{len(socks)} TIME-WAIT on {where} ({side} side closes first)",
                evidence,
                [f"{s.local} - {s.remote}" for s in socks[:3]],
                _proc_names(
                    s
                    for s, sd in samples.last
                    if sd == side
                    and (s.local_port == port if side == SERVER else s.remote == upstream)
                ),
            )
        )
    return found


def _close_wait(samples: _Samples, settings: Settings) -> list[SocketFinding]:
    persistent = samples.persistent(S.CLOSE_WAIT)
    groups: dict[tuple[str, int, str | None], list[Socket]] = defaultdict(list)
    for sock, side in samples.last:
        if sock.state == S.CLOSE_WAIT:
            groups[_group_key(sock, side)].append(sock)
    stale_ms = settings.stale_seconds * 1000
    found = []
    for (side, port, upstream), socks in groups.items():
        kept = [s for s in socks if s.key in persistent]
        if len(socks) < settings.close_wait_min:
            continue
        where = f"port {port}" if side == SERVER else f"connections to {upstream}"
        evidence = [f"{len(socks)} CLOSE-WAIT sockets on {where} ({side} side)"]
        timed = [
            s.info.last_data_recv_ms
            for s in socks
            if s.info and s.info.last_data_recv_ms is not None
        ]
        old = sum(1 for t in timed if t >= stale_ms)
        if samples.many:
            first = sum(
                1
                for s, sd in samples.selected[0]
                if s.state == S.CLOSE_WAIT and _group_key(s, sd) == (side, port, upstream)
            )
            evidence.append(
                f"{len(kept)} of them in every one of {len(samples.tables)} samples; "
                f"{first} -> {len(socks)}"
            )
            strong = len(kept) >= settings.close_wait_min or len(socks) > first
        else:
            strong = old >= settings.close_wait_min
        if timed:
            evidence.append(f"the peer closed up to {_secs(max(timed))} ago")
        found.append(
            SocketFinding(
                "close-wait-pile",
                _sev(len(socks), settings.close_wait_min) if strong else Severity.LOW,
                Confidence.HIGH if strong else Confidence.LOW,
                side,
                port,
                upstream,
                len(socks),
                f"{len(socks)} CLOSE-WAIT on {where}: the process never closes its side"
                + ("" if strong else " (one snapshot: take --samples to confirm)"),
                evidence,
                [f"{s.local} - {s.remote}" for s in socks[:3]],
                _proc_names(socks),
            )
        )
    return found


def _accept_queue(
    samples: _Samples, growth: dict[str, int], filtered: bool, counters: dict[str, int]
) -> list[SocketFinding]:
    full: dict[int, tuple[Socket, int]] = {}
    for selected in samples.selected:
        for sock, _side in selected:
            if sock.state == S.LISTEN and sock.send_q and (sock.recv_q or 0) >= sock.send_q:
                seen = full.get(sock.local_port)
                full[sock.local_port] = (sock, (seen[1] if seen else 0) + 1)
    overflows = growth.get("TcpExt.ListenOverflows", 0)
    drops = growth.get("TcpExt.ListenDrops", 0)
    grew = []
    if overflows or drops:
        grew.append(
            f"ListenOverflows +{overflows}, ListenDrops +{drops} between the first and last "
            "sample (machine-wide)"
        )
    found = []
    for port, (sock, times) in full.items():
        evidence = [
            f"LISTEN {sock.local}: accept queue {sock.recv_q} of backlog {sock.send_q} in "
            f"{times} of {len(samples.tables)} sample(s)",
            *grew,
        ]
        found.append(
            SocketFinding(
                "accept-queue-overflow",
                Severity.HIGH,
                Confidence.HIGH,
                LISTENING,
                port,
                None,
                sock.recv_q or 0,
                f"the accept queue of port {port} is full ({sock.recv_q}/{sock.send_q})",
                evidence,
                [sock.local],
                _proc_names([sock]),
            )
        )
    if not full and grew and not filtered:
        found.append(
            SocketFinding(
                "accept-queue-overflow",
                Severity.MEDIUM,
                Confidence.MEDIUM,
                None,
                None,
                None,
                overflows + drops,
                "the kernel dropped connections at a full accept queue between samples",
                [
                    *grew,
                    f"ListenOverflows {counters.get('TcpExt.ListenOverflows', '?')} since boot",
                ],
            )
        )
    return found


def _growth(tables: list[SocketTable]) -> dict[str, int]:
    with_counters = [t.counters for t in tables if t.counters]
    if len(with_counters) < 2:
        return {}
    first, last = with_counters[0], with_counters[-1]
    return {k: last[k] - first[k] for k in last if k in first and last[k] != first[k]}


def analyse(tables: list[SocketTable], settings: Settings | None = None) -> SocketsAnalysis:
    settings = settings or Settings()
    if not tables:
        raise ValueError("no snapshot")
    last_table = tables[-1]
    if settings.pid is not None and not any(t.has_processes for t in tables):
        raise UsageError(
            "--pid needs to know which process holds each socket, and this input does not "
            "say (save ss -tanp or netstat -tanp, or read live)"
        )
    samples = _Samples(tables, settings)
    growth = _growth(tables)
    states: Counter[str] = Counter(s.state for s, _ in samples.last)
    sides: dict[str, Counter[str]] = {SERVER: Counter(), CLIENT: Counter(), LISTENING: Counter()}
    for sock, side in samples.last:
        sides[side][sock.state] += 1
    ports: dict[int, list[Socket]] = defaultdict(list)
    upstreams: dict[str, Counter[str]] = defaultdict(Counter)
    remotes: Counter[str] = Counter()
    for sock, side in samples.last:
        if side in (SERVER, LISTENING):
            ports[sock.local_port].append(sock)
        if side == SERVER:
            remotes[sock.remote_address] += 1
        elif side == CLIENT:
            upstreams[sock.remote][sock.state] += 1
    rows = []
    for port, socks in sorted(ports.items(), key=lambda kv: -len(kv[1])):
        listen = [s for s in socks if s.state == S.LISTEN]
        rows.append(
            PortRow(
                port,
                sorted({s.local for s in listen}) or sorted({s.local for s in socks})[:1],
                _proc_names(socks),
                max((s.send_q for s in listen if s.send_q is not None), default=None),
                max((s.recv_q for s in listen if s.recv_q is not None), default=None),
                Counter(s.state for s in socks if s.state != S.LISTEN),
                sum(s.recv_q or 0 for s in socks if s.state != S.LISTEN),
                sum(s.send_q or 0 for s in socks if s.state != S.LISTEN),
            )
        )
    filtered = settings.port is not None or settings.pid is not None
    findings = [
        *_accept_queue(samples, growth, filtered, last_table.counters),
        *_zombies(samples, settings),
        *_slow_clients(samples, settings),
        *_close_wait(samples, settings),
        *_time_wait(samples, settings, last_table.limits, growth, last_table.sockstat),
    ]
    findings.extend(_summary_findings(last_table, settings))
    findings.sort(key=lambda f: (-f.severity.rank, -f.count))
    missing: list[str] = []
    notes: list[str] = []
    issues = []
    for table in tables:
        missing += [m for m in table.missing if m not in missing]
        notes += [n for n in table.notes if n not in notes]
        issues += [(table.source, i.line, i.message) for i in table.issues]
    if filtered and (growth.get("TcpExt.ListenOverflows") or growth.get("TcpExt.ListenDrops")):
        notes.append(
            "ListenOverflows/ListenDrops grew machine-wide, but no listener selected here was "
            "seen at its backlog: another service's accept queue overflowed"
        )
    if settings.pid is not None:
        exact, wildcard = _listeners(last_table)
        orphans = sum(
            1
            for s in last_table.sockets
            if s.state == S.TIME_WAIT and side_of(s, exact, wildcard) == CLIENT
        )
        if orphans:
            notes.append(
                f"{orphans} client-side TIME-WAIT socket(s) on this machine belong to no process "
                "any more and are left out by --pid; --port UPSTREAM_PORT counts them"
            )
    if settings.pid is not None and not samples.last:
        notes.append(f"process {settings.pid} holds no TCP socket in this reading")
    if not samples.many:
        notes.append(
            "one snapshot: take --samples 3 --interval 5 (or several saved files) to tell "
            "persistent states from bursts"
        )
    if not any(s.info for s, _ in samples.last) and samples.last:
        notes.append("slow-clients not checked: it needs tcp_info (time since the last data)")
    return SocketsAnalysis(
        sources=[t.source for t in tables],
        format=last_table.format,
        samples=len(tables),
        span_seconds=samples.span(),
        total=len(samples.last),
        states=states,
        sides=sides,
        ports=rows,
        upstreams=sorted(upstreams.items(), key=lambda kv: -sum(kv[1].values()))[:TOP],
        remote_addresses=remotes.most_common(TOP),
        findings=findings,
        missing=missing,
        notes=notes,
        issues=issues,
        counters={
            k: v for k, v in last_table.counters.items() if k.split(".")[-1] in COUNTERS_SHOWN
        },
        counter_growth={k: v for k, v in growth.items() if k.split(".")[-1] in COUNTERS_SHOWN},
        sockstat=last_table.sockstat,
        limits=last_table.limits,
        settings=settings,
        summary=last_table.summary,
    )


COUNTERS_SHOWN = frozenset(
    {
        "ListenOverflows",
        "ListenDrops",
        "TCPTimeWaitOverflow",
        "TCPAbortOnData",
        "TCPAbortOnClose",
        "TCPAbortOnTimeout",
        "TCPAbortOnMemory",
        "TCPReqQFullDrop",
        "TCPReqQFullDoCookies",
        "SyncookiesSent",
        "TCPBacklogDrop",
        "TW",
        "TWRecycled",
        "TWKilled",
        "EmbryonicRsts",
        "PruneCalled",
        "TCPRcvQDrop",
    }
)


def _summary_findings(table: SocketTable, settings: Settings) -> list[SocketFinding]:
    """ss -s gives counts only: a storm is visible, its side and port are not."""
    if table.sockets or not table.summary:
        return []
    timewait = table.summary.get("timewait", 0)
    if timewait < settings.time_wait_min:
        return []
    return [
        SocketFinding(
            "time-wait-storm",
            _sev(timewait, settings.time_wait_min),
            Confidence.LOW,
            None,
            None,
            None,
            timewait,
            f"{timewait} TIME-WAIT sockets on this machine (ss -s: side and port unknown)",
            [f"ss -s: timewait {timewait}, estab {table.summary.get('estab', '?')}"],
        )
    ]
