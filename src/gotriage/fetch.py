"""The one fetching module: every command that reads a live endpoint comes through here.

The rules every fetch follows, whichever command asks:

* one deadline per fetch: ``timeout`` bounds the whole request (connect, headers, body and any
  redirects), not each read, so a peer trickling a byte a second cannot hold gotriage;
* ``max_bytes`` caps every 200 body; an error answer's body is read up to
  :data:`ERROR_BODY_BYTES` for the message and no further;
* redirects are followed only to the same scheme, host and port, at most
  :data:`MAX_REDIRECTS` of them;
* the body is read as sent (``Accept-Encoding: identity``): a compressed transfer encoding could
  expand without bound, so an answer that uses one anyway is refused;
* proxies from the environment (``HTTP_PROXY``...) are not used: endpoints are the service's own;
* every error is a :class:`~gotriage.errors.FetchError` whose message starts with the URL that
  failed (a password in it shown as ``***``).

``stream`` yields a body in chunks, ``fetch_bytes`` collects it; ``pprof_url`` turns what the
user typed (a host, a base URL, a ``/debug/pprof/`` URL) into the URL of one profile. For
goroutines, from a base URL the Go 1.27 ``goroutineleak`` profile is fetched first (its
collection runs the runtime's leak detector, so the dump fetched next also carries ``(leaked)``
marks), then ``goroutine?debug=2``; older releases answer the leak profile with 404 and the dump
is analysed on its own.

The deadline is enforced below httpx, in the network stream: every connect, read and write gets
at most the time left until the deadline, and none starts once it has passed.
"""

from __future__ import annotations

import functools
import math
import ssl
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpcore
import httpx

from gotriage.errors import FetchError
from gotriage.units import format_size

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
MAX_TIMEOUT = 24 * 3600.0  # a day; beyond that a socket timeout no longer means anything
MAX_BYTES = 2 * 1024**3
ERROR_BODY_BYTES = 1024
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024


class ProfileNotServed(FetchError):
    """404: this Go release does not serve the profile (goroutineleak before Go 1.27)."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def parse_timeout(text: str) -> float:
    """Seconds for a ``--timeout`` option: a finite number above 0 and at most a day.

    Raises ValueError with a message fit for the user (argparse types wrap it).
    """
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be a number of seconds above 0, got {text!r}")
    if value > MAX_TIMEOUT:
        raise ValueError(f"must be at most {MAX_TIMEOUT:.0f} seconds (a day), got {text!r}")
    return value


def profile_urls(source: str) -> tuple[str | None, str]:
    """(leak profile URL or None, goroutine dump URL) for what the user typed.

    A base such as ``http://host:port`` or ``.../debug/pprof/`` gets both profiles; a URL that
    already names a profile is fetched as it is.
    """
    parts = urlsplit(source)
    path = parts.path
    if "/debug/pprof/" in path and not path.endswith("/debug/pprof/"):
        return None, source
    if not path.endswith("/debug/pprof/"):
        path = path.rstrip("/") + "/debug/pprof/"

    def make(profile: str, query: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, path + profile, query, ""))

    return make("goroutineleak", "debug=2"), make("goroutine", "debug=2")


def pprof_url(source: str, profile: str, query: str = "") -> str:
    """The URL of ``profile`` (``goroutine``, ``profile``, ``trace``...) under ``source``'s
    ``/debug/pprof/``; ``source`` may be a host URL, a base URL or any ``/debug/pprof/`` URL."""
    parts = urlsplit(source)
    path = parts.path
    if "/debug/pprof/" in path:
        path = path[: path.index("/debug/pprof/")]
    path = path.rstrip("/") + "/debug/pprof/"
    return urlunsplit((parts.scheme, parts.netloc, path + profile, query, ""))


def deadline_after(timeout: float) -> float:
    """The ``time.monotonic()`` deadline ``timeout`` seconds from now (for ``deadline=``)."""
    return time.monotonic() + timeout


def same_origin(url: str, other: str) -> bool:
    """True when both URLs have the same scheme, host and port (default ports filled in)."""
    a, b = httpx.URL(url), httpx.URL(other)
    return (a.scheme, a.host, a.port or _DEFAULT_PORTS.get(a.scheme)) == (
        b.scheme,
        b.host,
        b.port or _DEFAULT_PORTS.get(b.scheme),
    )


_DEFAULT_PORTS = {"http": 80, "https": 443}


# -- the deadline, below httpx ------------------------------------------------------------------


def _time_left(deadline: float, timeout: float | None) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the deadline for this request has passed")
    return left if timeout is None else min(left, timeout)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(self._deadline, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(self._deadline, timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(
            ssl_context, server_hostname, _time_left(self._deadline, timeout)
        )
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: float) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _time_left(self._deadline, timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(
            path, _time_left(self._deadline, timeout), socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, max(0.0, self._deadline - time.monotonic())))


# httpcore's errors as httpx's, most specific first (what httpx's own transport does).
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.TimeoutException, httpx.ReadTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def _as_httpx(exc: Exception) -> Exception:
    for core, ours in _ERRORS:
        if isinstance(exc, core):
            return ours(str(exc))
    return exc


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            raise _as_httpx(exc) from exc

    def close(self) -> None:
        self._stream.close()


class _DeadlineTransport(httpx.BaseTransport):
    """httpx's transport over httpcore, with every socket operation bounded by one deadline."""

    def __init__(self, deadline: float) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=1,
            network_backend=_DeadlineBackend(deadline),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core)
        except Exception as exc:
            raise _as_httpx(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds; a poller fetching every few seconds
    # should pay it once.
    return httpx.create_ssl_context()


def _client(timeout: float, deadline: float) -> httpx.Client:
    return httpx.Client(
        transport=_DeadlineTransport(deadline),
        timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
        follow_redirects=False,
        # pprof endpoints are the service's own: an HTTP_PROXY meant for the internet must not
        # carry them (nor escape the deadline through a transport of its own).
        trust_env=False,
        headers={"User-Agent": "gotriage", "Accept-Encoding": "identity"},
    )


# -- fetching -----------------------------------------------------------------------------------


def stream(
    url: str,
    *,
    timeout: float = READ_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    deadline: float | None = None,
) -> Iterator[bytes]:
    """The body of ``url`` in chunks; FetchError for anything but a 200 within the limits.

    ``timeout`` bounds the whole fetch; ``deadline`` (a ``time.monotonic()`` value, see
    :func:`deadline_after`) bounds it too when given, so a caller can share one deadline
    between several fetches. Redirects to the same scheme, host and port are followed.
    """
    if not 0 < timeout <= MAX_TIMEOUT:  # also refuses nan; users' values go through parse_timeout
        raise ValueError(f"timeout must be above 0 and at most {MAX_TIMEOUT:.0f}s, not {timeout}")
    end = deadline_after(timeout) if deadline is None else min(deadline, deadline_after(timeout))
    current = url
    try:
        with _client(timeout, end) as client:
            for _ in range(MAX_REDIRECTS + 1):
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        current = _redirect_target(url, current, response)
                        continue
                    yield from _body(url, current, response, max_bytes)
                    return
            raise FetchError(f"{_named(url, current)}: more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException as exc:
        raise FetchError(
            f"{_named(url, current)}: no complete answer within {timeout:g}s"
            f" (--timeout bounds the whole request; {exc or type(exc).__name__})"
        ) from exc
    except httpx.ConnectError as exc:
        raise FetchError(f"{_named(url, current)}: cannot connect: {exc}") from exc
    except httpx.RemoteProtocolError as exc:
        raise FetchError(f"{_named(url, current)}: not a valid HTTP answer: {exc}") from exc
    except httpx.NetworkError as exc:
        raise FetchError(f"{_named(url, current)}: connection lost: {exc}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{_named(url, current)}: {exc}") from exc
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # an unparsable URL or header
        raise FetchError(f"{_named(url, current)}: {exc}") from exc


def _named(url: str, current: str) -> str:
    shown = shown_url(url)
    return shown if current == url else f"{shown} (redirected to {shown_url(current)})"


def shown_url(url: str) -> str:
    """``url`` fit for a message: a password in it is replaced by ``***``, length bounded."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not even splittable: shown as typed
        password = None
    if password is not None:
        host = parts.netloc.rpartition("@")[2]
        url = urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    return url if len(url) <= 300 else url[:300] + "..."


def _redirect_target(url: str, current: str, response: httpx.Response) -> str:
    location = response.headers.get("location", "")
    if not location:
        raise FetchError(f"{_named(url, current)} answered {response.status_code} without Location")
    target = urljoin(current, location)
    if not same_origin(current, target):
        raise FetchError(
            f"{_named(url, current)} redirects to {shown_url(target)}, another scheme, host or"
            " port;"
            " not followed (pass that URL if it is the one meant)"
        )
    return target


def _body(url: str, current: str, response: httpx.Response, max_bytes: int) -> Iterator[bytes]:
    name = _named(url, current)
    if response.status_code != 200:
        body = _read_capped(response, ERROR_BODY_BYTES)
        text = " ".join(body.decode("utf-8", "replace").split())[:200]
        if response.status_code == 404:
            raise ProfileNotServed(f"{name} answered 404 (profile not served): {text}".rstrip(": "))
        raise FetchError(f"{name} answered {response.status_code}: {text}".rstrip(": "))
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise FetchError(
            f"{name} sent its body with Content-Encoding {encoding[:40]} although gotriage asked"
            " for none; refusing to inflate it"
        )
    length = response.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and len(length) < 20 and int(length) > max_bytes:
        raise FetchError(
            f"{name} announces {format_size(int(length))}, more than the"
            f" {format_size(max_bytes)} cap (--max-bytes)"
        )
    received = 0
    for chunk in response.iter_raw(CHUNK_BYTES):
        received += len(chunk)
        if received > max_bytes:
            raise FetchError(
                f"{name} sent more than the {format_size(max_bytes)} cap (--max-bytes);"
                " stopped reading"
            )
        yield chunk


def _read_capped(response: httpx.Response, cap: int) -> bytes:
    """Up to ``cap`` bytes of an answer's body; the rest is never read."""
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_raw(cap):
            parts.append(chunk)
            size += len(chunk)
            if size >= cap:
                break
    except httpx.HTTPError:
        pass  # the status line says enough
    return b"".join(parts)[:cap]


def fetch_bytes(
    url: str,
    *,
    timeout: float = READ_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    deadline: float | None = None,
) -> bytes:
    """The whole body of ``url`` (same limits and errors as ``stream``)."""
    return b"".join(stream(url, timeout=timeout, max_bytes=max_bytes, deadline=deadline))
