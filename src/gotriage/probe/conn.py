"""Hand-shaped HTTP/1.1 connections for probing: raw bytes out, h11-parsed responses in.

Requests are written by hand because slow and partial sends are the point; responses are parsed
by h11, which is told a request went out so it accepts the answer. Every connection belongs to a
:class:`Session`, which aborts whatever is still open when the probe ends, whatever happened.
A peer close is seen as ``read() == b""`` or a reset; both end a wait, with the time it happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import h11

from gotriage.probe.target import Target

CONNECT_TIMEOUT = 5.0
READ_CHUNK = 64 << 10
_IO_ERRORS = (ConnectionError, OSError, EOFError)


@dataclass(frozen=True, slots=True)
class PeerClosed:
    """The server ended the connection: ``closed`` (FIN), ``reset``, or ``invalid`` bytes."""

    kind: str
    at: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """The server answered with a status line (the body may still be coming)."""

    status: int
    at: float
    keep_alive: bool = True
    server: str = ""  # the Server header, if any (Go's net/http sends none)


def monotonic() -> float:
    return time.monotonic()


class Connection:
    def __init__(
        self,
        session: Session,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        opened_at: float,
        connect_seconds: float,
    ) -> None:
        self.session = session
        self.reader = reader
        self.writer = writer
        self.opened_at = opened_at
        self.connect_seconds = connect_seconds
        self.parser = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=64 << 10)
        self.eof = False
        self.body_bytes = 0
        self.first_bytes = b""  # the start of what the server sent, to name what it speaks

    def expect_response(self, method: str, path: str) -> None:
        """Tell the parser which request went out (the bytes themselves are sent by hand)."""
        host = [("Host", self.session.target.host_header)]
        self.parser.send(h11.Request(method=method, target=path, headers=host))

    async def send(self, data: bytes) -> bool:
        """Write ``data``; False when the server has already closed or reset the connection."""
        if self.writer.transport.is_closing():
            return False
        try:
            self.writer.write(data)
            await self.writer.drain()
        except _IO_ERRORS:
            return False
        return True

    def set_receive_buffer(self, size: int) -> None:
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)

    async def read_raw(self) -> bytes | PeerClosed:
        try:
            data = await self.reader.read(READ_CHUNK)
        except _IO_ERRORS as exc:
            return PeerClosed("reset", monotonic(), type(exc).__name__)
        if not data:
            self.eof = True
            return PeerClosed("closed", monotonic())
        if len(self.first_bytes) < 16:
            self.first_bytes = (self.first_bytes + data)[:16]
        return data

    async def next_event(self) -> object:
        """The next h11 event, or a :class:`PeerClosed` when the connection ends first."""
        while True:
            try:
                event = self.parser.next_event()
            except h11.RemoteProtocolError as exc:
                unparsed = self.parser.trailing_data[0]
                kind = "closed" if self.eof and not unparsed else "invalid"
                return PeerClosed(kind, monotonic(), str(exc))
            if event is h11.NEED_DATA:
                if self.eof:
                    return PeerClosed("closed", monotonic())
                data = await self.read_raw()
                if isinstance(data, PeerClosed):
                    if data.kind == "closed":
                        self.parser.receive_data(b"")
                        continue
                    return data
                self.parser.receive_data(data)
                continue
            if isinstance(event, h11.ConnectionClosed):
                return PeerClosed("closed", monotonic())
            if isinstance(event, h11.Data):
                self.body_bytes += len(event.data)
            return event

    async def answer_or_close(self) -> Answer | PeerClosed:
        """Wait for a final status line or the end of the connection, whichever comes first."""
        while True:
            event = await self.next_event()
            if isinstance(event, PeerClosed):
                return event
            if isinstance(event, h11.Response):
                return Answer(
                    event.status_code, monotonic(), keeps_alive(event), server_header(event)
                )
            if event is h11.PAUSED:
                return PeerClosed("invalid", monotonic(), "unexpected data")

    async def read_until_closed(self) -> PeerClosed:
        """Discard whatever arrives until the server closes (idle waits, after a response)."""
        while True:
            data = await self.read_raw()
            if isinstance(data, PeerClosed):
                return data

    def abort(self) -> None:
        self.session.forget(self)
        with contextlib.suppress(Exception):
            self.writer.transport.abort()


def is_tls_record(data: bytes) -> bool:
    """Whether ``data`` starts like a TLS record (an alert or handshake, version 3.x)."""
    return len(data) >= 3 and data[0] in (0x15, 0x16) and data[1] == 3 and data[2] <= 4


def server_header(response: h11.Response) -> str:
    for name, value in response.headers:
        if name == b"server":
            return value.decode("latin-1")
    return ""


def keeps_alive(response: h11.Response) -> bool:
    for name, value in response.headers:
        if name == b"connection" and b"close" in value.lower():
            return False
    return response.http_version != b"1.0"


@dataclass
class Session:
    """Shared by every measurement of one probe: the target, its TLS settings, open sockets."""

    target: Target
    ssl_context: ssl.SSLContext | None
    open_connections: set[Connection] = field(default_factory=set)
    max_loop_lag: float = 0.0
    deadline: float = float("inf")  # monotonic end of the whole run: no wait goes past it
    # (sent, answered) monotonic times of complete requests the server answered during the run
    answered: list[tuple[float, float]] = field(default_factory=list)
    # work two measurements share (max-body's search, which body-timeout may need), by name
    shared: dict[str, asyncio.Task[Any]] = field(default_factory=dict)

    def remaining(self, cap: float) -> float:
        """Seconds left before the run's deadline, at most ``cap``."""
        return max(0.0, min(cap, self.deadline - monotonic()))

    def _socket(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.target.address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        return sock

    async def connect(self, *, receive_buffer: int = 0) -> Connection:
        """A connected (and, for https, handshaken) socket; raises OSError or ssl.SSLError."""
        loop = asyncio.get_running_loop()
        sock = self._socket()
        started = monotonic()
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if receive_buffer:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await loop.sock_connect(sock, (self.target.address, self.target.port))
                reader, writer = await asyncio.open_connection(
                    sock=sock,
                    ssl=self.ssl_context,
                    server_hostname=self.target.host if self.ssl_context else None,
                    ssl_handshake_timeout=CONNECT_TIMEOUT if self.ssl_context else None,
                    ssl_shutdown_timeout=1.0 if self.ssl_context else None,
                    limit=READ_CHUNK,
                )
        except BaseException:
            sock.close()
            raise
        now = monotonic()
        conn = Connection(self, reader, writer, now, now - started)
        self.open_connections.add(conn)
        return conn

    def forget(self, conn: Connection) -> None:
        self.open_connections.discard(conn)

    def close_all(self) -> None:
        for task in self.shared.values():
            task.cancel()
        for conn in list(self.open_connections):
            conn.abort()

    async def alive(self, settle: float = 0.05) -> bool:
        """Whether the target still accepts connections (to tell a timeout from a crash).

        A dying process closes its connections before its listener, and the kernel completes
        handshakes on a listener until it is closed; so wait ``settle`` seconds first, and count
        a connection that is reset or closed straight away as refused.
        """
        await asyncio.sleep(min(settle, self.remaining(settle)))
        loop = asyncio.get_running_loop()
        with self._socket() as sock:
            try:
                async with asyncio.timeout(self.remaining(CONNECT_TIMEOUT)):
                    await loop.sock_connect(sock, (self.target.address, self.target.port))
            except (OSError, TimeoutError):
                return False
            try:
                async with asyncio.timeout(settle):
                    data = await loop.sock_recv(sock, 1)
            except TimeoutError:
                return True  # connected and quiet: someone is there
            except OSError:
                return False
            # a server may greet or close at once; only an immediate close counts as gone
            return bool(data)

    async def watch_loop_lag(self, interval: float = 0.02) -> None:
        """Record how late the event loop wakes up: it bounds how late a close is noticed."""
        while True:
            before = monotonic()
            await asyncio.sleep(interval)
            self.max_loop_lag = max(self.max_loop_lag, monotonic() - before - interval)

    def request_head(self, method: str, path: str, extra: str = "") -> bytes:
        return (
            f"{method} {path} HTTP/1.1\r\nHost: {self.target.host_header}\r\n"
            f"User-Agent: gotriage-probe\r\n{extra}"
        ).encode("latin-1")

    def post_head(self, path: str, length: int) -> bytes:
        """The head of a POST announcing a ``length``-byte body."""
        return self.request_head(
            "POST",
            path,
            f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n",
        )
