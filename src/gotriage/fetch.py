"""The one fetching module: every command that reads a live endpoint comes through here.

Every request has a timeout and every body a size cap. ``stream`` yields a body in chunks,
``fetch_bytes`` collects it; ``pprof_url`` turns what the user typed (a host, a base URL, a
``/debug/pprof/`` URL) into the URL of one profile. For goroutines, from a base URL the Go 1.27
``goroutineleak`` profile is fetched first (its collection runs the runtime's leak detector, so
the dump fetched next also carries ``(leaked)`` marks), then ``goroutine?debug=2``; older releases
answer the leak profile with 404 and the dump is analysed on its own.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx

from gotriage.errors import FetchError

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
MAX_BYTES = 2 * 1024**3


class ProfileNotServed(FetchError):
    """404: this Go release does not serve the profile (goroutineleak before Go 1.27)."""


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


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


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds: once per process, not per request
    # (a watch fetches from every target each interval).
    return httpx.create_ssl_context()


def _client(timeout: float) -> httpx.Client:
    return httpx.Client(
        verify=_tls(),
        timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
        follow_redirects=True,
        headers={"User-Agent": "gotriage"},
    )


def stream(
    url: str, *, timeout: float = READ_TIMEOUT, max_bytes: int = MAX_BYTES
) -> Iterator[bytes]:
    """The body of ``url`` in chunks; FetchError for anything but a 200 within the limits."""
    try:
        with _client(timeout) as client, client.stream("GET", url) as response:
            if response.status_code == 404:
                raise ProfileNotServed(f"{url} answered 404 (profile not served)")
            if response.status_code != 200:
                body = response.read()[:200].decode("utf-8", "replace").strip()
                raise FetchError(f"{url} answered {response.status_code}: {body}")
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"{url} sent more than {max_bytes} bytes; stopped reading")
                yield chunk
    except httpx.TimeoutException as exc:
        raise FetchError(f"{url}: no answer within {timeout:.0f}s ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {exc}") from exc


def fetch_bytes(url: str, *, timeout: float = READ_TIMEOUT, max_bytes: int = MAX_BYTES) -> bytes:
    """The whole body of ``url`` (same limits and errors as ``stream``)."""
    return b"".join(stream(url, timeout=timeout, max_bytes=max_bytes))
