"""Where each HTTP/1.1 response ends in a byte stream: bytes in, (status, keep-alive) out.

The background load reads tens of thousands of small answers a second, more than h11's event
machinery keeps up with on one core, and it needs only each answer's status and end: a head,
then a Content-Length body, a chunked body, or a body that runs to the connection's close.
No I/O; :meth:`ResponseFramer.feed` takes whatever arrived and returns the responses it ended.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.errors import InputError

MAX_HEAD = 64 << 10


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    keep_alive: bool


class ResponseFramer:
    def __init__(self) -> None:
        self._buffer = bytearray()
        self._status = 0
        self._keep_alive = True
        self._left = -1  # body bytes still expected; -1: reading a head
        self._chunked = False
        self._to_close = False
        self._in_trailers = False

    @property
    def idle(self) -> bool:
        """No response has started (a close here is clean)."""
        return self._left == -1 and not self._buffer and not self._chunked and not self._to_close

    def feed(self, data: bytes) -> list[Response]:
        """The responses that end in ``data``; InputError on bytes that are not HTTP/1.x."""
        self._buffer += data
        done: list[Response] = []
        while True:
            if self._left == -1 and not self._chunked and not self._to_close:
                if not self._buffer:
                    return done  # the usual case: one whole answer per read
                if not self._head():
                    return done
                if self._left == 0:
                    done.append(self._end())
                continue
            if self._to_close:
                self._buffer.clear()
                return done
            if self._chunked:
                if not self._chunk():
                    return done
                if not self._chunked:
                    done.append(self._end())
                continue
            take = min(self._left, len(self._buffer))
            del self._buffer[:take]
            self._left -= take
            if self._left:
                return done
            done.append(self._end())

    def close(self) -> Response | None:
        """The connection closed: the response it ended, when its body ran to the close."""
        if self._to_close:
            self._to_close = False
            return Response(self._status, False)
        return None

    def _end(self) -> Response:
        self._left = -1
        return Response(self._status, self._keep_alive)

    def _head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise InputError("response head larger than 64 KiB")
            if not b"HTTP/1.".startswith(bytes(self._buffer[:7])):
                raise InputError("not an HTTP/1.x response")
            return False
        head = bytes(self._buffer[:end]).lower()
        del self._buffer[: end + 4]
        if not head.startswith(b"http/1.") or len(head) < 12 or not head[9:12].isdigit():
            raise InputError("not an HTTP/1.x status line")
        status = int(head[9:12])
        if 100 <= status < 200:
            return True  # an interim answer; the real one follows
        self._status = status
        self._keep_alive = not head.startswith(b"http/1.0") and b"\r\nconnection: close" not in head
        if status in (204, 304):
            self._left = 0
        elif b"\r\ntransfer-encoding: chunked" in head:
            self._chunked, self._in_trailers, self._left = True, False, -1
        else:
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                self._to_close, self._keep_alive = True, False
            else:
                line_end = head.find(b"\r\n", at + 2)
                value = head[at + 17 : line_end if line_end > 0 else None].strip()
                if not value.isdigit():
                    raise InputError("bad Content-Length in response")
                self._left = int(value)
        return True

    def _chunk(self) -> bool:
        """Consume one chunk-size line, chunk, or trailer line; False when more bytes are needed."""
        if self._left > 0:
            take = min(self._left, len(self._buffer))
            del self._buffer[:take]
            self._left -= take
            return take > 0
        line_end = self._buffer.find(b"\r\n")
        if line_end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise InputError("chunk line larger than 64 KiB")
            return False
        line = bytes(self._buffer[:line_end])
        del self._buffer[: line_end + 2]
        if self._in_trailers:
            if not line:
                self._chunked = False
            return True
        if self._left == 0:  # the CRLF after a chunk's data
            self._left = -1
            if line:
                raise InputError("chunk data longer than its size")
            return True
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise InputError("bad chunk size in response") from None
        if size == 0:
            self._in_trailers = True
        else:
            self._left = size
        return True
