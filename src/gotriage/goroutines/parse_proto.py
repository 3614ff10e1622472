"""Parser for pprof protobuf goroutine profiles (``/debug/pprof/goroutine?debug=0``).

The bytes (gzipped as served, or plain) are decoded with the ``protobuf`` runtime and the
``profile.proto`` classes built in :mod:`gotriage.goroutines.profile_schema`. Each sample becomes
``Goroutine(id=None, state="", count=value, frames=..., labels=...)``; a Location's Line entries
are listed innermost first and all but the last one are inlined calls. A ``goroutineleak``
profile sets ``report.format`` to ``DumpFormat.LEAK_PROFILE`` and marks every record leaked.

Function names of generic instantiations are shortened to the printed form (``F[...]``), as in
tracebacks and debug=1. Unlike debug=1 the runtime frames (``runtime.gopark``,
``runtime.chansend``, ...) are kept; what is lost is listed in ``report.missing``
(:data:`MISSING`). Decoding is free of I/O; gzip is inflated here with a cap on the inflated
size, because a small gzip file can expand enormously.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterator

from google.protobuf.message import DecodeError, Message

from gotriage.errors import InputError
from gotriage.goroutines.profile_schema import profile_class
from gotriage.model import DumpFormat, Frame, Goroutine, ParseIssue, ParseReport

MISSING = [
    "wait reasons (goroutine states)",
    "wait durations",
    "goroutine ids",
    "creators (created by)",
    "locked-to-thread marks",
]
GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_INFLATED = 1 << 30  # 1 GiB
_SAMPLE_TYPES = {"goroutine": DumpFormat.PROTO, "goroutineleak": DumpFormat.LEAK_PROFILE}
_intern = sys.intern


def name_for_print(name: str) -> str:
    """Shorten type arguments the way tracebacks print them: ``F[go.shape.int]`` -> ``F[...]``.

    Profiles carry the full instantiated names; tracebacks and debug=1 print ``[...]``. Using
    the printed form keeps frames from every format comparable.
    """
    if "[" not in name:
        return name
    out: list[str] = []
    depth = 0
    for ch in name:
        if ch == "[":
            if depth == 0:
                out.append("[...]")
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return name if depth else "".join(out)


def gunzip(data: bytes, *, max_size: int = DEFAULT_MAX_INFLATED, source: str = "") -> bytes:
    """Inflate gzip data, refusing corrupt input and output larger than ``max_size`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_size + 1)
        if len(out) > max_size:
            raise InputError(
                f"gzip data inflates to more than {max_size} bytes; refusing to read it",
                source=source,
            )
        out += inflater.flush()
    except zlib.error as exc:
        raise InputError(f"corrupt gzip data: {exc}", source=source) from exc
    if not inflater.eof:
        raise InputError("truncated gzip data", source=source)
    return out


def parse_profile(
    data: bytes,
    report: ParseReport | None = None,
    *,
    source: str = "",
    max_inflated: int = DEFAULT_MAX_INFLATED,
) -> Iterator[Goroutine]:
    """Decode a goroutine profile and yield one Goroutine per sample.

    Raises InputError for bytes that are not a pprof profile, or a profile of another kind.
    The profile is validated before the first goroutine is yielded.
    """
    report = report if report is not None else ParseReport()
    if data[:2] == GZIP_MAGIC:
        data = gunzip(data, max_size=max_inflated, source=source)
    profile_type = profile_class()
    try:
        profile = profile_type.FromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise InputError(f"not a pprof protobuf profile ({exc})", source=source) from exc
    strings = list(profile.string_table)

    def string(index: int) -> str:
        return strings[index] if 0 <= index < len(strings) else ""

    if not strings or strings[0] != "" or not profile.sample_type:
        raise InputError(
            "binary input is not a pprof profile (no string table or sample types)",
            source=source,
        )
    kind = string(profile.sample_type[0].type)
    fmt = _SAMPLE_TYPES.get(kind)
    if fmt is None:
        raise InputError(
            f"this is a {kind or 'unnamed'!r} profile, not a goroutine profile"
            " (fetch /debug/pprof/goroutine)",
            source=source,
        )
    return _samples(profile, strings, fmt, report)


def _samples(
    profile: Message, strings: list[str], fmt: DumpFormat, report: ParseReport
) -> Iterator[Goroutine]:
    report.format = fmt
    for item in MISSING:
        if item not in report.missing:
            report.missing.append(item)
    leaked = fmt is DumpFormat.LEAK_PROFILE
    nstrings = len(strings)
    interned = [_intern(s) for s in strings]

    def string(index: int) -> str:
        return interned[index] if 0 <= index < nstrings else ""

    functions = {
        f.id: (_intern(name_for_print(string(f.name))), string(f.filename))
        for f in profile.function
    }
    locations: dict[int, tuple[Frame, ...]] = {}
    for loc in profile.location:
        frames: list[Frame] = []
        lines = loc.line
        last = len(lines) - 1
        for i, line in enumerate(lines):
            name, file = functions.get(line.function_id, ("", ""))
            frames.append(Frame(name or "?", file, max(line.line, 0), inlined=i < last))
        if not frames:  # an address without symbols
            frames.append(Frame("?", offset=f"pc={loc.address:#x}"))
        locations[loc.id] = tuple(frames)
    for number, sample in enumerate(profile.sample, 1):
        stack: list[Frame] = []
        for loc_id in sample.location_id:
            found = locations.get(loc_id)
            if found is None:
                report.issues.append(
                    ParseIssue(0, f"sample {number} refers to missing location {loc_id}")
                )
                continue
            stack.extend(found)
        count = sample.value[0] if sample.value else 1
        labels = tuple(
            (string(label.key), string(label.str) if label.str else str(label.num))
            for label in sample.label
        )
        report.goroutines += count
        yield Goroutine(
            id=None,
            state="",
            frames=tuple(stack),
            count=count,
            leaked=leaked,
            labels=labels,
        )
