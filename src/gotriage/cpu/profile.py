"""Decoding pprof profiles of time: CPU profiles and the delay profiles ``go tool trace -pprof``
writes. Bytes in (gzipped as served, or plain), a :class:`Profile` out; no I/O.

The ``profile.proto`` classes and the capped gunzip are the ones the goroutine reader uses
(:mod:`gotriage.goroutines.profile_schema`, :func:`gotriage.goroutines.parse_proto.gunzip`).
Samples with the same stack are merged here, so everything after works on distinct stacks: a
profile of 100,000 samples usually holds a few thousand.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError

from gotriage.errors import InputError
from gotriage.goroutines.parse_proto import GZIP_MAGIC, gunzip, name_for_print
from gotriage.goroutines.profile_schema import profile_class
from gotriage.model import Frame

DEFAULT_MAX_INFLATED = 1 << 30  # 1 GiB
_intern = sys.intern

#: Profiles of time this module reads: CPU profiles, and the delay profiles of trace -pprof.
CPU_KINDS = frozenset({"samples", "cpu"})
DELAY_KINDS = frozenset({"contentions", "delay"})


@dataclass(slots=True)
class Stack:
    """One distinct stack (leaf first) with its summed sample count and value (nanoseconds)."""

    frames: tuple[Frame, ...]
    count: int = 0
    nanos: int = 0


@dataclass(slots=True)
class Profile:
    kind: str  # "cpu" or "delay"
    sample_types: tuple[tuple[str, str], ...]
    period_nanos: int
    duration_seconds: float
    stacks: list[Stack] = field(default_factory=list)
    samples: int = 0  # sum of the counts
    nanos: int = 0  # sum of the time values

    @property
    def seconds(self) -> float:
        return self.nanos / 1e9


def decode_profile(
    data: bytes, *, source: str = "", max_inflated: int = DEFAULT_MAX_INFLATED
) -> Profile:
    """Decode a CPU (or trace delay) profile; InputError for anything else."""
    if data[:2] == GZIP_MAGIC:
        data = gunzip(data, max_size=max_inflated, source=source)
    try:
        message = profile_class().FromString(data)
    except (DecodeError, RuntimeWarning, ValueError) as exc:
        raise InputError(f"not a pprof protobuf profile ({exc})", source=source) from exc
    strings = [_intern(s) for s in message.string_table]
    nstrings = len(strings)

    def string(index: int) -> str:
        return strings[index] if 0 <= index < nstrings else ""

    if not strings or strings[0] != "" or not message.sample_type:
        raise InputError(
            "binary input is not a pprof profile (no string table or sample types)",
            source=source,
        )
    types = tuple((string(t.type), string(t.unit)) for t in message.sample_type)
    names = {name for name, _ in types}
    if names <= CPU_KINDS and "cpu" in names:
        kind = "cpu"
    elif names <= DELAY_KINDS and "delay" in names:
        kind = "delay"
    else:
        first = types[0][0] or "unnamed"
        raise InputError(
            f"this is a {first!r} profile, not a CPU profile (fetch /debug/pprof/profile)",
            source=source,
        )
    count_index = next(
        (i for i, (name, _) in enumerate(types) if name in ("samples", "contentions")), -1
    )
    nanos_index = next(i for i, (name, _) in enumerate(types) if name in ("cpu", "delay"))
    scale = _unit_nanos(types[nanos_index][1])

    functions = {
        f.id: (_intern(name_for_print(string(f.name))), string(f.filename))
        for f in message.function
    }
    locations: dict[int, tuple[Frame, ...]] = {}
    frame_cache: dict[tuple[str, str, int, bool], Frame] = {}
    for loc in message.location:
        frames: list[Frame] = []
        lines = loc.line
        last = len(lines) - 1
        for i, line in enumerate(lines):
            name, file = functions.get(line.function_id, ("", ""))
            fkey = (name or "?", file, max(line.line, 0), i < last)
            frame = frame_cache.get(fkey)
            if frame is None:
                frame = frame_cache[fkey] = Frame(fkey[0], file, fkey[2], inlined=fkey[3])
            frames.append(frame)
        if not frames:
            frames.append(Frame("?", offset=f"pc={loc.address:#x}"))
        locations[loc.id] = tuple(frames)

    merged: dict[tuple[int, ...], list[int]] = {}
    total_count = total_nanos = 0
    for sample in message.sample:
        values = sample.value
        nvalues = len(values)
        count = values[count_index] if 0 <= count_index < nvalues else 1
        nanos = int(values[nanos_index] * scale) if nanos_index < nvalues else 0
        key = tuple(sample.location_id)
        entry = merged.get(key)
        if entry is None:
            merged[key] = [count, nanos]
        else:
            entry[0] += count
            entry[1] += nanos
        total_count += count
        total_nanos += nanos

    stacks: list[Stack] = []
    empty: tuple[Frame, ...] = ()
    for key, (count, nanos) in merged.items():
        frames_out: list[Frame] = []
        for loc_id in key:
            frames_out.extend(locations.get(loc_id, empty))
        stacks.append(Stack(tuple(frames_out), count, nanos))
    period = message.period if message.period > 0 else 0
    if kind == "cpu" and message.period_type.type and string(message.period_type.unit):
        period = int(period * _unit_nanos(string(message.period_type.unit)))
    return Profile(
        kind=kind,
        sample_types=types,
        period_nanos=period,
        duration_seconds=max(message.duration_nanos, 0) / 1e9,
        stacks=stacks,
        samples=total_count,
        nanos=total_nanos,
    )


def _unit_nanos(unit: str) -> float:
    return {"nanoseconds": 1.0, "microseconds": 1e3, "milliseconds": 1e6, "seconds": 1e9}.get(
        unit, 1.0
    )
