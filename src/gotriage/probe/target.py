"""The server under probe: URL parsing, address resolution, the loopback rule, TLS settings.

Probing slowly is indistinguishable from a slow-client attack, so anything that does not resolve
only to loopback addresses needs the operator's explicit ``--confirm-owned``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from gotriage.errors import FetchError, UsageError


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    scheme: str
    host: str  # as written in the URL, for Host: and SNI
    port: int
    path: str  # path and query of the URL, at least "/"
    address: str  # the resolved IP address every connection uses
    alternatives: tuple[str, ...] = ()  # other addresses the name resolved to

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @property
    def endpoint(self) -> str:
        """``address:port`` every connection goes to, an IPv6 address in brackets."""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{address}:{self.port}"

    @property
    def host_header(self) -> str:
        default = 443 if self.tls else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


# What a browser leaves as it is (WHATWG URL: the path and query percent-encode sets); the rest,
# spaces, controls and every non-ASCII character (as UTF-8), is percent-encoded. "%" is kept, so
# a path that is already encoded is sent unchanged.
_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
_PATH_SAFE = "".join(c for c in _PRINTABLE if c not in '"#<>?`{}')
_QUERY_SAFE = "".join(c for c in _PRINTABLE if c not in "\"#<>'")


def request_target(path: str, query: str = "") -> str:
    """The request-target for ``path`` and ``query`` as a browser sends it: percent-encoded
    where the request line cannot carry a character (``/€uro`` → ``/%E2%82%ACuro``)."""
    target = quote(path or "/", safe=_PATH_SAFE)
    if query:
        target += "?" + quote(query, safe=_QUERY_SAFE)
    return target


def encode_path(text: str) -> str:
    """A path option (``--body-path /upload?x=1``) as a request-target."""
    path, mark, query = text.partition("?")
    return request_target(path, query) if mark else request_target(path)


def parse_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request-target) of an http:// or https:// URL; UsageError
    otherwise. The path and query are percent-encoded as a browser does."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # a bracketed host that is not an IPv6 address
        raise UsageError(f"malformed URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"URL must start with http:// or https://: {url!r}")
    if not parts.hostname:
        raise UsageError(f"URL has no host: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"bad port in URL {url!r}: {exc}") from None
    if port == 0:
        raise UsageError(f"bad port in URL {url!r}: port 0 cannot be connected to")
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    host = parts.hostname
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UsageError(f"URL has a host name that cannot be encoded: {url!r}") from None
    return parts.scheme, host, port, request_target(parts.path, parts.query)


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def resolve(url: str, *, confirm_owned: bool) -> Target:
    """Resolve the URL's host; refuse non-loopback targets unless ``confirm_owned``."""
    scheme, host, port, path = parse_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc.strerror}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"cannot resolve {host!r}")
    if not confirm_owned and not all(is_loopback(a) for a in addresses):
        raise UsageError(
            f"refusing to probe {host} ({', '.join(addresses)}): it is not a loopback address. "
            "A slow-client probe against a server you do not run is an attack; if you own it, "
            "add --confirm-owned"
        )
    return Target(url, scheme, host, port, path, addresses[0], tuple(addresses[1:]))


def ssl_context(target: Target, *, insecure: bool) -> ssl.SSLContext | None:
    if not target.tls:
        return None
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    return context
