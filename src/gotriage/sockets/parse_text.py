"""Saved socket tables, detected by content, one line at a time: ``ss -tan``/``-tanp``/
``-tanpi`` (the tcp_info lines under each socket), ``ss -s``, ``netstat -tan``/``-tanp``, and
copies of ``/proc/net/tcp``/``tcp6``, ``/proc/net/netstat`` and ``/proc/net/sockstat``.

Each line is recognised on its own, so a table pasted inside a log or a ticket is still read;
a line that is none of these becomes an issue with its number and the rest is still read.
Feed lines with :meth:`TableParser.feed`, then call :meth:`close`. No I/O.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

from gotriage.errors import InputError
from gotriage.sockets.addresses import AddressError, split
from gotriage.sockets.model import Issue, Process, Socket, SocketTable, TcpInfo
from gotriage.sockets.parse_proc import parse_counter_lines, parse_sockstat_tcp, parse_tcp_row
from gotriage.sockets.states import state_name

MAX_ISSUES = 1000
MAX_LINE = 64 * 1024

_USERS = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=(\d+)\)')
_NETSTAT_PROCESS = re.compile(r"^(\d+)/(.*)$")
_NETSTAT_TIMER = re.compile(r"^\((\d+(?:\.\d+)?)/\d+/\d+\)$")
_SS_TIMER = re.compile(r"timer:\((\w+),(?:(\d+)min)?(?:(\d+(?:\.\d+)?)sec)?(?:(\d+)ms)?")
# The tcp_info fields the findings use, as ss -i prints them (milliseconds, rtt as avg/var).
_INFO_FIELDS = re.compile(r"\b(lastrcv|lastsnd|lastack|rtt|unacked|retrans):(\S+)")
_SUMMARY = re.compile(r"^TCP:\s+(\d+)\s+\((.*)\)\s*$")
_HEADERS = (
    "State ",
    "Netid ",
    "Recv-Q ",
    "Proto ",
    "Active Internet",
    "Active UNIX",
    "Active Bluetooth",
    "sl ",
    "Total:",
    "Transport ",
)
_SUMMARY_ROWS = frozenset({"RAW", "UDP", "TCP", "INET", "FRAG", "UDPLITE", "*"})
_OTHER_PROTOCOLS = frozenset(
    {"udp", "udp6", "raw", "raw6", "unix", "u_str", "u_dgr", "u_seq", "nl", "p_raw", "p_dgr"}
)
_OTHER_PROTOCOLS |= {"icmp6", "mptcp", "sctp", "dccp", "v_str", "v_dgr", "tipc", "xdp", "udplite"}
_SOCKSTAT_PREFIXES = ("sockets:", "UDP:", "UDPLITE:", "RAW:", "FRAG:", "UDP6:", "RAW6:", "TCP6:")

MISSING = {
    "processes": "processes (run ss or netstat with -p, as root to see every user's sockets)",
    "tcp_info": "tcp_info: time since the last data, retransmits, rtt (run ss with -i)",
    "backlog": "the backlog of LISTEN sockets (ss shows it as Send-Q; netstat and /proc do not)",
    "counters": "kernel counters ListenOverflows/ListenDrops "
    "(save /proc/net/netstat with the table)",
    "sockets": "the sockets themselves (ss -s gives counts only)",
    "state": "states (ss was run with a state filter, which drops the State column)",
}


def _digits(text: str) -> bool:
    return text.isdigit()


class TableParser:
    """Reads one saved table line by line into a :class:`SocketTable`."""

    def __init__(self, source: str = "") -> None:
        self.table = SocketTable(source=source, format="")
        self.lineno = 0
        self._last_ss: Socket | None = None
        self._counter_header: str | None = None
        self._formats: set[str] = set()
        self._info_lines = 0
        self._other = 0

    # -- helpers --------------------------------------------------------------------------
    def _issue(self, message: str, text: str) -> None:
        if len(self.table.issues) < MAX_ISSUES:
            self.table.issues.append(Issue(self.lineno, message, text[:200]))

    def _add(self, socket: Socket, kind: str) -> None:
        self._formats.add(kind)
        self.table.sockets.append(socket)

    # -- one line -------------------------------------------------------------------------
    def feed(self, line: str) -> None:
        self.lineno += 1
        if len(line) > MAX_LINE:
            self._issue("line longer than 64 KiB, cut", line)
            line = line[:MAX_LINE]
        line = line.rstrip("\r\n")
        stripped = line.strip()
        if not stripped:
            return
        if line[0] in " \t" and self._last_ss is not None and not stripped[0].isdigit():
            self._info(self._last_ss, stripped)
            return
        fields = stripped.split()
        head = fields[0]
        if self._counter_header is not None:
            header, self._counter_header = self._counter_header, None
            if head == header.split()[0] and len(fields) > 1 and _digits(fields[1]):
                try:
                    self.table.counters.update(parse_counter_lines(header, stripped))
                    self._formats.add("counters")
                except ValueError:
                    self._issue("counter values do not match their names", line)
                return
        if head.endswith("Ext:") or head in ("Tcp:", "Ip:", "Udp:"):
            if len(fields) > 1 and not _digits(fields[1]):
                self._counter_header = stripped
            return
        self._last_ss = None
        if stripped.startswith(_HEADERS) or head in ("State", "Netid", "Proto"):
            return
        try:
            if self._row(fields, stripped):
                return
        except (ValueError, AddressError, IndexError):
            self._issue("not a socket table row", line)
            return
        self._issue("not a socket table row", line)

    def _row(self, fields: list[str], stripped: str) -> bool:
        head = fields[0]
        lowered = head.lower()
        if lowered in _OTHER_PROTOCOLS or (head in _SUMMARY_ROWS and len(fields) <= 5):
            if head == "TCP" or head == "TCP:":
                return self._summary_or_sockstat(stripped)
            self._other += 1
            return True
        if head == "TCP:":
            return self._summary_or_sockstat(stripped)
        if head.startswith(_SOCKSTAT_PREFIXES):
            return True
        if head.endswith(":") and head[:-1].isdigit() and len(fields) >= 10:
            self._add(parse_tcp_row(fields), "proc")
            return True
        if lowered in ("tcp", "tcp4", "tcp6") and len(fields) >= 6:
            if _digits(fields[1]) and _digits(fields[2]):
                self._netstat(fields)
                return True
            if state_name(fields[1]) is not None:  # ss without -t: a Netid column first
                self._ss(fields[1:], stripped)
                return True
        if state_name(head) is not None and len(fields) >= 5 and _digits(fields[1]):
            self._ss(fields, stripped)
            return True
        if _digits(head) and len(fields) >= 4 and _digits(fields[1]) and ":" in fields[2]:
            self._ss(["UNKNOWN", *fields], stripped)  # ss with a state filter: no State column
            self._formats.add("ss-filtered")
            return True
        return False

    def _summary_or_sockstat(self, stripped: str) -> bool:
        match = _SUMMARY.match(stripped)
        if match:
            summary = {"total": int(match.group(1))}
            for part in match.group(2).split(","):
                name, _, value = part.strip().partition(" ")
                if value.strip().isdigit():
                    summary[name] = int(value)
            self.table.summary.update(summary)
            self._formats.add("ss-summary")
            return True
        fields = stripped.split()
        if len(fields) >= 3 and not _digits(fields[1]):
            self.table.sockstat.update(parse_sockstat_tcp(stripped))
            self._formats.add("sockstat")
            return True
        return fields[0] == "TCP" and all(_digits(f) for f in fields[1:])

    def _ss(self, fields: list[str], stripped: str) -> None:
        socket = _socket(state_name(fields[0]) or "UNKNOWN", fields, backlog_shown=True)
        if len(fields) > 5:
            rest = stripped.split(None, 5)[5] if fields[0] != "UNKNOWN" else stripped
            if "users:(" in rest:
                socket.processes = tuple(
                    Process(name, int(pid), int(fd)) for name, pid, fd in _USERS.findall(rest)
                )
                self._formats.add("ss-processes")
            timer = _SS_TIMER.search(rest)
            if timer:
                socket.timer_ms = _timer_ms(timer)
            if "lastrcv:" in rest or "rtt:" in rest:  # ss -e -i on one line (--oneline)
                self._info(socket, rest)
        self._add(socket, "ss")
        self._last_ss = socket

    def _info(self, socket: Socket, text: str) -> None:
        info = socket.info or TcpInfo()
        for name, value in _INFO_FIELDS.findall(text):
            try:
                if name == "lastrcv":
                    info.last_data_recv_ms = int(value)
                elif name == "lastsnd":
                    info.last_data_sent_ms = int(value)
                elif name == "lastack":
                    info.last_ack_recv_ms = int(value)
                elif name == "rtt":
                    info.rtt_ms = float(value.partition("/")[0])
                elif name == "unacked":
                    info.unacked = int(value)
                else:  # retrans:current/total
                    current, _, total = value.partition("/")
                    info.retransmits, info.total_retrans = int(current), int(total or 0)
            except ValueError:
                self._issue(f"tcp_info field {name!r} is not a number", text)
        socket.info = info
        self._info_lines += 1

    def _netstat(self, fields: list[str]) -> None:
        state = state_name(fields[5]) if len(fields) > 5 else None
        if state is None:
            raise ValueError("no state")
        socket = _socket(state, fields, backlog_shown=False)
        rest = fields[6:]
        for i, token in enumerate(rest):
            match = _NETSTAT_PROCESS.match(token)
            if match:
                name = " ".join([match.group(2), *rest[i + 1 :]]).strip()
                socket.processes = (Process(name.split(" ")[0], int(match.group(1))),)
                self._formats.add("netstat-processes")
                break
            if token == "-":
                self._formats.add("netstat-processes")
                break
            timer = _NETSTAT_TIMER.match(token)
            if timer:
                socket.timer_ms = int(float(timer.group(1)) * 1000)
        self._add(socket, "netstat")

    # -- end ------------------------------------------------------------------------------
    def close(self) -> SocketTable:
        table = self.table
        formats = self._formats
        kinds = [k for k in ("ss", "netstat", "proc") if k in formats]
        if kinds:
            table.format = kinds[0] if len(kinds) == 1 else "mixed"
        elif "ss-summary" in formats:
            table.format = "ss-summary"
        elif formats & {"counters", "sockstat"}:
            table.format = "counters"
        else:
            what = f"{self.lineno} lines" if self.lineno else "empty input"
            raise InputError(
                f"no socket table found ({what}); expected the output of ss -tan, ss -tanpi, "
                "ss -s, netstat -tan or a copy of /proc/net/tcp",
                source=table.source,
            )
        missing = table.missing
        if kinds:
            has_processes = "ss-processes" in formats or "netstat-processes" in formats
            table.has_processes = has_processes
            if not has_processes:
                missing.append(MISSING["processes"])
            if not self._info_lines:
                missing.append(MISSING["tcp_info"])
            if "netstat" in formats or "proc" in formats:
                missing.append(MISSING["backlog"])
            if "ss-filtered" in formats:
                missing.append(MISSING["state"])
        else:
            missing.append(MISSING["sockets"])
        if "counters" not in formats:
            missing.append(MISSING["counters"])
        if self._other:
            table.notes.append(f"{self._other} row(s) of other protocols (UDP, unix, ...) skipped")
        return table


def _socket(state: str, fields: list[str], *, backlog_shown: bool) -> Socket:
    """A socket from the common columns: Recv-Q Send-Q Local Peer at fields[1:5]. netstat
    prints 0 as the Send-Q of a LISTEN socket, not its backlog."""
    local, local_port, interface = split(fields[3])
    remote, remote_port, _ = split(fields[4])
    send_q = int(fields[2]) if backlog_shown or state != "LISTEN" else None
    return Socket(
        state,
        local,
        local_port,
        remote,
        remote_port,
        recv_q=int(fields[1]),
        send_q=send_q,
        interface=interface,
    )


def parse_lines(lines: Iterable[str], source: str = "") -> SocketTable:
    parser = TableParser(source)
    for line in lines:
        parser.feed(line)
    return parser.close()


def parse_bytes(data: bytes, source: str = "") -> SocketTable:
    return parse_chunks([data], source)


def parse_chunks(chunks: Iterable[bytes], source: str = "") -> SocketTable:
    """A table streamed in byte chunks (a file, standard input): memory holds one chunk and the
    sockets, not the text. Invalid UTF-8 is replaced, never an error."""
    parser = TableParser(source)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    rest = ""
    for chunk in chunks:
        text = rest + decoder.decode(chunk)
        lines = text.split("\n")
        rest = lines.pop()
        if len(rest) > MAX_LINE:  # a line without end: keep its start, drop the rest of it
            rest = rest[: MAX_LINE + 1]
        for line in lines:
            parser.feed(line)
    rest += decoder.decode(b"", final=True)
    if rest:
        parser.feed(rest)
    return parser.close()


def _timer_ms(match: re.Match[str]) -> int:
    minutes, seconds, millis = match.group(2), match.group(3), match.group(4)
    total = 0.0
    if minutes:
        total += int(minutes) * 60_000
    if seconds:
        total += float(seconds) * 1000
    if millis:
        total += int(millis)
    return int(total)
