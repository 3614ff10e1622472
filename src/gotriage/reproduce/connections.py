"""The scenario's own connections: opened, written to by hand, watched for the server's close.

Each is an asyncio protocol (no task per connection, so one core holds ten thousand), which
notes when the server closed or reset it and how many bytes it sent. A :class:`Pool` owns every
connection a scenario opens and closes all of them at the end of the run, whatever happens; in
the recovery phase they stay open and silent, as clients that vanished without a FIN or RST.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from dataclasses import dataclass
from typing import Any

from gotriage.probe.target import Target

CONNECT_TIMEOUT = 5.0
SMALL_RECEIVE_BUFFER = 4096  # slow readers: the server's writes block after a few KiB


def tls_arguments(target: Target, context: ssl.SSLContext | None) -> dict[str, Any]:
    """``create_connection``'s arguments for https (the handshake bounded), none for http."""
    if context is None:
        return {}
    return {
        "ssl": context,
        "server_hostname": target.host,
        "ssl_handshake_timeout": CONNECT_TIMEOUT,
        "ssl_shutdown_timeout": 1.0,
    }


class Held(asyncio.Protocol):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.opened_at = 0.0
        self.server_closed_at: float | None = None  # FIN or RST from the server
        self.closed_by_us = False
        self.received = 0
        self.head = bytearray()  # the first bytes of the answer, for its status
        self.answered: asyncio.Future[int] | None = None
        self.ended: asyncio.Future[None] | None = None
        self.pause_after_read = False  # slow readers: take one chunk, then stop reading

    @property
    def open(self) -> bool:
        return self.server_closed_at is None and not self.closed_by_us

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        loop = asyncio.get_running_loop()
        self.opened_at = loop.time()
        self.ended = loop.create_future()

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if self.pause_after_read and self.transport is not None:
            self.transport.pause_reading()
        if len(self.head) < 16:
            self.head += data[:16]
            if len(self.head) >= 12 and self.answered is not None and not self.answered.done():
                status = self.head[9:12]
                self.answered.set_result(int(status) if status.isdigit() else 0)

    def eof_received(self) -> bool | None:
        self._server_closed()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed_by_us:
            self._server_closed()
        if self.answered is not None and not self.answered.done():
            self.answered.set_result(0)
        if self.ended is not None and not self.ended.done():
            self.ended.set_result(None)

    def _server_closed(self) -> None:
        if self.server_closed_at is None and not self.closed_by_us:
            self.server_closed_at = asyncio.get_running_loop().time()
        if self.ended is not None and not self.ended.done():
            self.ended.set_result(None)

    def send(self, data: bytes) -> bool:
        if self.transport is None or self.transport.is_closing():
            return False
        self.transport.write(data)
        return True

    def expect_answer(self) -> asyncio.Future[int]:
        """A future for the status of the next answer (0 when the connection ends first)."""
        self.head.clear()
        self.answered = asyncio.get_running_loop().create_future()
        return self.answered

    def close(self, *, reset: bool = False) -> None:
        """Close: a FIN, or with ``reset`` an RST (SO_LINGER 0), the client that vanished."""
        if self.transport is None or self.closed_by_us:
            return
        self.closed_by_us = True
        if reset:
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()
        self.pool.forget(self)


@dataclass
class PoolStats:
    opened: int = 0
    connect_failed: int = 0
    closed_by_server: int = 0


class Pool:
    """Every scenario connection of a run; :meth:`close_all` ends them all."""

    def __init__(self, target: Target, cap: int, ssl_context: ssl.SSLContext | None = None) -> None:
        self.target = target
        self.cap = cap
        self.ssl_context = ssl_context
        self.held: set[Held] = set()
        self.closed_delays: list[float] = []  # seconds from open to the server's close
        self._closing = False

    def forget(self, conn: Held) -> None:
        self.held.discard(conn)

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.held if c.open)

    async def connect(self, *, small_receive_buffer: bool = False) -> Held | None:
        """One new connection, or None when it failed or the cap is reached."""
        if self._closing or len(self.held) >= self.cap:
            return None
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.target.address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            if small_receive_buffer:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RECEIVE_BUFFER)
            await asyncio.wait_for(
                loop.sock_connect(sock, (self.target.address, self.target.port)), CONNECT_TIMEOUT
            )
            _, conn = await loop.create_connection(
                lambda: Held(self), sock=sock, **tls_arguments(self.target, self.ssl_context)
            )
        except (OSError, TimeoutError):
            sock.close()
            return None
        except BaseException:
            sock.close()
            raise
        if self._closing:
            conn.close()
            return None
        self.held.add(conn)
        return conn

    def sweep(self) -> None:
        """Drop connections the server has closed, noting how long it took."""
        for conn in [c for c in self.held if c.server_closed_at is not None]:
            assert conn.server_closed_at is not None
            self.closed_delays.append(conn.server_closed_at - conn.opened_at)
            conn.closed_by_us = True
            if conn.transport is not None:
                conn.transport.abort()
            self.held.discard(conn)

    def close_all(self) -> None:
        self._closing = True
        self.sweep()
        for conn in list(self.held):
            conn.close()
        self.held.clear()
