"""Durations and sizes as people write them (``1m30s``, ``500ms``, ``64KiB``, ``1MB``).

Parsing returns seconds or bytes; formatting picks a readable unit. No I/O.
"""

from __future__ import annotations

import math
import re

_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|min|s|m|h)")

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "kib": 1 << 10,
    "kb": 1000,
    "m": 1 << 20,
    "mib": 1 << 20,
    "mb": 1000**2,
    "g": 1 << 30,
    "gib": 1 << 30,
    "gb": 1000**3,
}
_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)")


def parse_duration(text: str) -> float:
    """Seconds in ``text``: Go-style (``1m30s``, ``250ms``) or a bare number of seconds."""
    s = text.strip().lower()
    if not s:
        raise ValueError("empty duration")
    try:
        value = float(s)
    except ValueError:
        pos = 0
        value = 0.0
        for match in _DURATION_PART.finditer(s):
            if match.start() != pos:
                break
            value += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
            pos = match.end()
        if pos != len(s) or pos == 0:
            raise ValueError(
                f"not a duration: {text!r} (write for example 10s, 500ms, 1m30s)"
            ) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"not a duration: {text!r}")
    return value


def parse_size(text: str) -> int:
    """Bytes in ``text``: ``1048576``, ``64KiB``/``64K`` (1024), ``1MB`` (1000**2)."""
    s = text.strip().lower()
    match = _SIZE.fullmatch(s)
    if not match or match.group(2) not in _SIZE_UNITS:
        raise ValueError(f"not a size: {text!r} (write for example 4096, 64KiB, 1MiB, 10MB)")
    value = float(match.group(1)) * _SIZE_UNITS[match.group(2)]
    if not math.isfinite(value):
        raise ValueError(f"not a size: {text!r}")
    return round(value)


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds == int(seconds):
        return f"{seconds:.0f} s"
    if seconds < 100:
        return f"{seconds:.2f} s"
    return f"{seconds:.0f} s"


def format_size(n: float) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n:.0f} B"
