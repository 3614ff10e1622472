"""Parser for pprof protobuf goroutine profiles (``/debug/pprof/goroutine?debug=0``).

The bytes (gzipped as served, or plain) are decoded with the ``protobuf`` runtime and the
``profile.proto`` classes built in :mod:`gotriage.goroutines.profile_schema`. Each sample becomes
``Goroutine(id=None, state="", count=value, frames=..., labels=...)``; a Location's Line entries
are listed innermost first and all but the last one are inlined calls. A ``goroutineleak``
profile sets ``report.format`` to ``DumpFormat.LEAK_PROFILE`` and marks every record leaked.

Function names of generic instantiations are shortened to the printed form (``F[...]``), as in
tracebacks and debug=1. Unlike debug=1 the runtime frames (``runtime.gopark``,
``runtime.chansend``, ...) are kept; what is lost is listed in ``report.missing``
(:data:`MISSING`). Decoding is free of I/O; gzip is inflated here in pieces and refused as soon
as it passes a cap, because a small gzip file can expand enormously. A sample keeps at most
:data:`MAX_FRAMES_PER_SAMPLE` frames (the innermost; ``frames_elided`` notes the cut) and
:data:`MAX_LABELS_PER_SAMPLE` labels; a negative count is a parse issue and the sample is
skipped.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterable, Iterator

from google.protobuf.message import DecodeError, Message

from gotriage.errors import InputError
from gotriage.goroutines.profile_schema import profile_class
from gotriage.model import DumpFormat, Frame, Goroutine, ParseIssue, ParseReport
from gotriage.units import format_size

MISSING = [
    "wait reasons (goroutine states)",
    "wait durations",
    "goroutine ids",
    "creators (created by)",
    "locked-to-thread marks",
]
GZIP_MAGIC = b"\x1f\x8b"
# 128 MiB: over a million distinct stacks. Decoding holds about six times the inflated size.
DEFAULT_MAX_INFLATED = 128 << 20
INFLATE_PIECE = 1 << 20
# The runtime records at most a few hundred frames per stack (profstackdepth, 1024 at most);
# inlining can add a few per location. More is not a real profile: the innermost are kept.
MAX_FRAMES_PER_SAMPLE = 1024
MAX_LINES_PER_LOCATION = 64
MAX_LABELS_PER_SAMPLE = 64  # pprof.Do label sets hold a handful
MAX_ISSUES = 1000
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
    return gunzip_chunks((data,), max_size=max_size, source=source)


def gunzip_chunks(
    chunks: Iterable[bytes], *, max_size: int = DEFAULT_MAX_INFLATED, source: str = ""
) -> bytes:
    """Inflate a gzip stream given in chunks, :data:`INFLATE_PIECE` bytes of output at a time.

    Refused (InputError) as soon as the output passes ``max_size`` bytes, so a small bomb costs
    about ``max_size`` of memory, never what it would inflate to. Bytes after the end of the
    gzip member are ignored, as ``gzip -d`` ignores trailing garbage.
    """
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    try:
        for chunk in chunks:
            data = chunk
            while not inflater.eof:
                piece = inflater.decompress(data, INFLATE_PIECE)
                out += piece
                if len(out) > max_size:
                    raise InputError(
                        f"gzip data inflates to more than {format_size(max_size)};"
                        " refusing to read it",
                        source=source,
                    )
                data = inflater.unconsumed_tail
                if not data and len(piece) < INFLATE_PIECE:
                    break  # this chunk is used up and no output is pending
            if inflater.eof:
                break
    except zlib.error as exc:
        raise InputError(f"corrupt gzip data: {exc}", source=source) from exc
    if not inflater.eof:
        raise InputError("truncated gzip data", source=source)
    return bytes(out)


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
    issues = report.issues

    def issue(message: str) -> None:
        if len(issues) < MAX_ISSUES:
            issues.append(ParseIssue(0, message))

    locations: dict[int, tuple[Frame, ...]] = {}
    for loc in profile.location:
        frames: list[Frame] = []
        lines = loc.line
        if len(lines) > MAX_LINES_PER_LOCATION:
            issue(
                f"location {loc.id} has {len(lines)} inlined lines; kept the innermost"
                f" {MAX_LINES_PER_LOCATION}"
            )
            lines = lines[:MAX_LINES_PER_LOCATION]
        last = len(lines) - 1
        for i, line in enumerate(lines):
            name, file = functions.get(line.function_id, ("", ""))
            frames.append(Frame(name or "?", file, max(line.line, 0), inlined=i < last))
        if not frames:  # an address without symbols
            frames.append(Frame("?", offset=f"pc={loc.address:#x}"))
        locations[loc.id] = tuple(frames)
    for number, sample in enumerate(profile.sample, 1):
        count = sample.value[0] if sample.value else 1
        if count < 0:
            issue(f"sample {number} has a negative goroutine count ({count}); skipped")
            continue
        stack: list[Frame] = []
        elided = False
        for loc_id in sample.location_id:
            found = locations.get(loc_id)
            if found is None:
                issue(f"sample {number} refers to missing location {loc_id}")
                continue
            stack.extend(found)
            if len(stack) > MAX_FRAMES_PER_SAMPLE:
                issue(
                    f"sample {number} has more than {MAX_FRAMES_PER_SAMPLE} frames;"
                    " kept the innermost"
                )
                del stack[MAX_FRAMES_PER_SAMPLE:]
                elided = True
                break
        pairs = sample.label
        if len(pairs) > MAX_LABELS_PER_SAMPLE:
            issue(f"sample {number} has {len(pairs)} labels; kept {MAX_LABELS_PER_SAMPLE}")
            pairs = pairs[:MAX_LABELS_PER_SAMPLE]
        labels = tuple(
            (string(label.key), string(label.str) if label.str else str(label.num))
            for label in pairs
        )
        report.goroutines += count
        yield Goroutine(
            id=None,
            state="",
            frames=tuple(stack),
            count=count,
            leaked=leaked,
            labels=labels,
            frames_elided=elided,
        )
