"""Reading each SOURCE of ``gotriage cpu``, its kind told by its content, never its name.

* gzip magic or binary bytes: a pprof profile (decoded by :mod:`gotriage.cpu.profile`);
* ``go 1.NN trace`` header: a runtime execution trace (summarised by ``go tool trace``);
* any other text: a log with schedtrace/gctrace lines (at least one must be found);
* an ``http://`` or ``https://`` URL: a live capture (:mod:`gotriage.cpu.live`, imported only
  then: it brings httpx).

The I/O edge of the cpu analysis: files go through
:func:`gotriage.goroutines.load.read_source` (size caps, clear errors) and text is split into
lines by the same streaming reader the goroutine dumps use.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gotriage.cpu.profile import Profile, decode_profile
from gotriage.cpu.textlog import TextLog, read_log
from gotriage.cpu.verdicts import Goroutines
from gotriage.errors import InputError
from gotriage.goroutines import detect
from gotriage.goroutines.load import _lines, read_source
from gotriage.model import ParseReport
from gotriage.units import format_size

if TYPE_CHECKING:
    from gotriage.cpu.trace import TraceSummary

HEAD_BYTES = 4096
TRACE_MAGIC = b"go 1."
MAX_PROFILE_BYTES = 256 << 20
EXPECTED = (
    "expected a CPU profile (pprof protobuf, gzipped or not), an execution trace, a log with "
    "GODEBUG=schedtrace/gctrace lines, or a /debug/pprof/ URL"
)


@dataclass(slots=True)
class Loaded:
    source: str
    kind: str  # "profile", "trace", "log", "live"
    profile: Profile | None = None
    log: TextLog | None = None
    trace: TraceSummary | None = None
    goroutines: Goroutines | None = None
    notes: list[str] = field(default_factory=list)


def is_trace(head: bytes) -> bool:
    """True for the header of a runtime/trace execution trace (``go 1.22 trace\\x00...``)."""
    return head.startswith(TRACE_MAGIC) and b" trace\x00" in head[:32]


def kind_of(head: bytes) -> str:
    """``profile``, ``trace`` or ``log`` for an input starting with ``head``."""
    if head[:2] == detect.GZIP_MAGIC:
        return "profile"
    if is_trace(head):
        return "trace"
    if detect.looks_binary(head):
        return "profile"
    return "log"


def _collect(chunks: Iterator[bytes], source: str, cap: int) -> bytes:
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise InputError(f"profile is larger than the {format_size(cap)} cap", source=source)
        parts.append(chunk)
    return b"".join(parts)


def _head(chunks: Iterator[bytes]) -> bytes:
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= HEAD_BYTES:
            break
    return head


def load_profile_bytes(data: bytes, source: str) -> Profile:
    if not data.strip():
        raise InputError(f"empty input: {EXPECTED}", source=source)
    if kind_of(data[:HEAD_BYTES]) != "profile":
        raise InputError(f"not a CPU profile: {EXPECTED}", source=source)
    return decode_profile(data, source=source)


def load(
    source: str,
    *,
    max_bytes: int,
    seconds: float = 10.0,
    trace: bool = False,
    timeout: float = 60.0,
    confirm_owned: bool = False,
    on_capture: Callable[[str], None] | None = None,
    trace_timeout: float | None = None,
) -> Loaded:
    """Read one SOURCE, whatever it is."""
    if source.startswith(("http://", "https://")):
        from gotriage.cpu import live  # httpx is imported only for a URL

        live.check_target(source, confirm_owned=confirm_owned)
        if on_capture is not None:
            on_capture(source)
        cap = live.capture(source, seconds=seconds, trace=trace, timeout=timeout)
        loaded = Loaded(source, "live", goroutines=cap.goroutines, notes=cap.notes)
        loaded.profile = load_profile_bytes(cap.profile, source)
        if cap.trace is not None:
            loaded.trace = _trace_from_bytes(cap.trace, source, seconds, trace_timeout)
        return loaded
    chunks = read_source(source, max_bytes=max_bytes)
    head = _head(chunks)
    if not head.strip():
        raise InputError(f"empty input: {EXPECTED}", source=source)
    kind = kind_of(head)
    if kind == "profile":
        data = head + _collect(chunks, source, min(max_bytes, MAX_PROFILE_BYTES) - len(head))
        return Loaded(source, "profile", profile=decode_profile(data, source=source))
    if kind == "trace":
        path = Path(source)
        from gotriage.cpu.trace import TIMEOUT as TRACE_TIMEOUT
        from gotriage.cpu.trace import summarise_trace

        if source != "-" and path.is_file():
            close = getattr(chunks, "close", None)  # go tool trace reads the file itself
            if close is not None:
                close()
            return Loaded(
                source,
                "trace",
                trace=summarise_trace(path, source=source, timeout=trace_timeout or TRACE_TIMEOUT),
            )
        data = head + b"".join(chunks)
        return Loaded(source, "trace", trace=_trace_from_bytes(data, source, None, trace_timeout))
    report = ParseReport()
    rest = iter(chunks)
    log = read_log(_lines(head, rest, report), source=source)
    log.issues.extend(report.issues)
    if log.empty:
        raise InputError(
            f"no schedtrace or gctrace line found in {log.lines} lines; {EXPECTED}",
            source=source,
        )
    return Loaded(source, "log", log=log)


def _trace_from_bytes(
    data: bytes, source: str, seconds: float | None, timeout: float | None
) -> TraceSummary:
    if not is_trace(data[:HEAD_BYTES]):
        raise InputError("not an execution trace (no 'go 1.NN trace' header)", source=source)
    from gotriage.cpu.trace import TIMEOUT as TRACE_TIMEOUT
    from gotriage.cpu.trace import summarise_trace

    with tempfile.TemporaryDirectory(prefix="gotriage-trace-") as tmp:
        path = Path(tmp) / "trace.out"
        path.write_bytes(data)
        return summarise_trace(
            path, source=source, duration_seconds=seconds, timeout=timeout or TRACE_TIMEOUT
        )
