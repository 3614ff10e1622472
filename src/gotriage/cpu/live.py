"""A live capture from a ``/debug/pprof/`` base URL, through :mod:`gotriage.fetch` only.

The goroutine count is taken before and after (cheap ``goroutine?debug=1``); in between the CPU
profile (``profile?seconds=N``) and, with ``--trace``, the execution trace (``trace?seconds=N``)
are fetched at the same time, so both cover the same seconds. Their timeout is N plus a margin:
the server answers only when the N seconds are over. Anything that does not resolve to a
loopback address needs ``confirm_owned``: profiling and tracing cost the target CPU.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from gotriage import fetch
from gotriage.cpu.verdicts import Goroutines
from gotriage.errors import FetchError, UsageError
from gotriage.goroutines.load import iter_goroutines
from gotriage.model import ParseReport
from gotriage.probe.target import is_loopback

MARGIN_SECONDS = 30.0
MAX_PROFILE_BYTES = 256 << 20
MAX_TRACE_BYTES = 1 << 30
MAX_DUMP_BYTES = 256 << 20
WAITING_FOR_REQUEST = "net/http.(*conn).readRequest"


@dataclass(slots=True)
class Capture:
    url: str
    seconds: float
    profile: bytes
    trace: bytes | None
    goroutines: Goroutines | None
    notes: list[str]


def check_target(url: str, *, confirm_owned: bool) -> None:
    """Refuse a non-loopback target unless the operator says it is theirs."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"not an http:// or https:// URL: {url!r}")
    if confirm_owned:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc.strerror}") from None
    addresses = sorted({str(info[4][0]) for info in infos})
    if not all(is_loopback(a) for a in addresses):
        raise UsageError(
            f"refusing to profile {host} ({', '.join(addresses)}): it is not a loopback "
            "address, and profiling and tracing cost the service CPU; if it is yours, add "
            "--confirm-owned"
        )


def count_goroutines(url: str, *, timeout: float) -> tuple[int, int]:
    """(goroutines, net/http connections waiting for a request) from ``goroutine?debug=1``."""
    report = ParseReport()
    chunks = fetch.stream(
        fetch.pprof_url(url, "goroutine", "debug=1"), timeout=timeout, max_bytes=MAX_DUMP_BYTES
    )
    waiting = 0
    total = 0
    for goroutine in iter_goroutines(chunks, report, source=url):
        total += goroutine.count
        if any(f.function == WAITING_FOR_REQUEST for f in goroutine.frames):
            waiting += goroutine.count
    return total, waiting


def capture(
    url: str,
    *,
    seconds: float,
    trace: bool,
    timeout: float,
    max_bytes: int = MAX_PROFILE_BYTES,
) -> Capture:
    """Goroutines before, the profile (and trace) over ``seconds``, goroutines after."""
    whole = str(max(1, round(seconds)))  # Go reads a whole number; anything else means 30 s
    before = count_goroutines(url, timeout=timeout)
    long_timeout = seconds + MARGIN_SECONDS
    profile_url = fetch.pprof_url(url, "profile", f"seconds={whole}")
    trace_url = fetch.pprof_url(url, "trace", f"seconds={whole}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        profile_job = pool.submit(
            fetch.fetch_bytes,
            profile_url,
            timeout=long_timeout,
            max_bytes=min(max_bytes, MAX_PROFILE_BYTES),
        )
        trace_job = (
            pool.submit(
                fetch.fetch_bytes,
                trace_url,
                timeout=long_timeout,
                max_bytes=min(max_bytes, MAX_TRACE_BYTES),
            )
            if trace
            else None
        )
        profile = profile_job.result()
        notes = []
        trace_bytes = None
        if trace_job is not None:
            try:
                trace_bytes = trace_job.result()
            except FetchError as exc:  # the profile is still worth reading
                notes.append(f"no execution trace: {exc}")
    after = count_goroutines(url, timeout=timeout)
    goroutines = Goroutines(before[0], after[0], before[1], after[1])
    return Capture(url, seconds, profile, trace_bytes, goroutines, notes)
