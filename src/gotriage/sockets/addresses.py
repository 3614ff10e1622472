"""Socket addresses as ss and netstat print them, split into (address, port, interface).

Forms: ``127.0.0.1:80``, ``[::1]:80`` and ``[::ffff:10.0.0.1]:443`` (ss), ``::1:80`` and
``:::80`` (netstat, no brackets: the last colon is the port's), ``*:80``, ``0.0.0.0:*``,
``[::]:*``, ``*:*``, zones ``[fe80::1%eth0]:22``, ``fe80::1%eth0:22`` and ``127.0.0.53%lo:53``.
IPv4-mapped IPv6 addresses become plain IPv4 so one client is one remote address.
"""

from __future__ import annotations

import socket
from functools import lru_cache

_HOST_CHARS = frozenset("0123456789abcdefABCDEF.:*")


class AddressError(ValueError):
    pass


@lru_cache(maxsize=1 << 16)  # a table repeats a few addresses thousands of times
def normalise(address: str) -> str:
    if address == "*":
        return "::"  # ss prints a dual-stack (not V6ONLY) IPv6 wildcard as *
    if ":" not in address:
        return address
    lowered = address.lower()
    if lowered.startswith("::ffff:") and "." in lowered:
        return lowered[7:]
    try:
        return socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, lowered))
    except (OSError, ValueError):
        return lowered


def split(text: str) -> tuple[str, int, str]:
    """``(address, port, interface)``; port 0 for ``*``. AddressError if it is no address."""
    if text.startswith("["):
        close = text.find("]")
        if close < 0 or text[close + 1 : close + 2] != ":":
            raise AddressError(text)
        host, port_text = text[1:close], text[close + 2 :]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not host:
            raise AddressError(text)
    interface = ""
    if "%" in host:
        host, _, interface = host.partition("%")
    if port_text == "*":
        port = 0
    elif port_text.isdigit() and len(port_text) <= 5:
        port = int(port_text)
        if port > 65535:
            raise AddressError(text)
    else:
        raise AddressError(text)
    if not host or not _looks_like_host(host):
        raise AddressError(text)
    return normalise(host), port, interface


def _looks_like_host(host: str) -> bool:
    return host == "*" or ("*" not in host and _HOST_CHARS.issuperset(host))
