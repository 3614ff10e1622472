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
    """One distinct stack with its summed sample count and value (nanoseconds).

    ``locations`` are the profile's location ids, leaf first; ``frames`` spells them out.
    """

    locations: tuple[int, ...]
    count: int
    nanos: int
    _table: dict[int, tuple[Frame, ...]]

    @property
    def frames(self) -> tuple[Frame, ...]:
        table = self._table
        return tuple(f for loc in self.locations for f in table.get(loc, ()))


@dataclass(slots=True)
class Profile:
    kind: str  # "cpu" or "delay"
    sample_types: tuple[tuple[str, str], ...]
    period_nanos: int
    duration_seconds: float
    stacks: list[Stack] = field(default_factory=list)
    locations: dict[int, tuple[Frame, ...]] = field(default_factory=dict)
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
    # Locations that differ only by address (the same code, another copy or call) share one
    # tuple of frames.
    by_lines: dict[tuple[tuple[int, int], ...], tuple[Frame, ...]] = {}
    for loc in message.location:
        lines = loc.line
        if len(lines) == 1:  # the common case, without a list comprehension
            only = lines[0]
            key: tuple[tuple[int, int], ...] = ((only.function_id, only.line),)
        else:
            key = tuple([(line.function_id, line.line) for line in lines])
        frames = by_lines.get(key)
        if frames is None:
            last = len(key) - 1
            built = []
            for i, (function_id, number) in enumerate(key):
                name, file = functions.get(function_id, ("", ""))
                built.append(Frame(name or "?", file, max(number, 0), inlined=i < last))
            if not built:
                built.append(Frame("?", offset=f"pc={loc.address:#x}"))
            frames = tuple(built)
            if key:
                by_lines[key] = frames
        locations[loc.id] = frames

    merged: dict[tuple[int, ...], list[int]] = {}  # location ids -> [count, nanos]
    total_count = total_nanos = 0
    plain = count_index == 0 and nanos_index == 1 and scale == 1.0  # every Go CPU profile
    get = merged.get
    for sample in message.sample:
        values = sample.value
        if plain and len(values) == 2:
            count, nanos = values
        else:
            nvalues = len(values)
            count = values[count_index] if 0 <= count_index < nvalues else 1
            nanos = int(values[nanos_index] * scale) if nanos_index < nvalues else 0
        stack_key = tuple(sample.location_id)
        entry = get(stack_key)
        if entry is None:
            merged[stack_key] = [count, nanos]
        else:
            entry[0] += count
            entry[1] += nanos
        total_count += count
        total_nanos += nanos

    stacks = [Stack(key, count, nanos, locations) for key, (count, nanos) in merged.items()]
    period = message.period if message.period > 0 else 0
    if kind == "cpu" and message.period_type.type and string(message.period_type.unit):
        period = int(period * _unit_nanos(string(message.period_type.unit)))
    return Profile(
        kind=kind,
        sample_types=types,
        period_nanos=period,
        duration_seconds=max(message.duration_nanos, 0) / 1e9,
        stacks=stacks,
        locations=locations,
        samples=total_count,
        nanos=total_nanos,
    )


def _unit_nanos(unit: str) -> float:
    return {"nanoseconds": 1.0, "microseconds": 1e3, "milliseconds": 1e6, "seconds": 1e9}.get(
        unit, 1.0
    )
