"""Protobuf goroutine profiles: decoding, inlined lines, labels, and what is refused."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gotriage.errors import InputError
from gotriage.goroutines.parse_proto import (
    MAX_FRAMES_PER_SAMPLE,
    gunzip,
    gunzip_chunks,
    name_for_print,
    parse_profile,
)
from gotriage.goroutines.profile_schema import file_descriptor, profile_class
from gotriage.model import DumpFormat, Frame, ParseReport


def build(kind: str = "goroutine", *, bad_location: bool = False) -> bytes:
    """A profile as runtime/pprof writes one: two samples, one with an inlined call."""
    profile = profile_class()()
    strings = [
        "",
        kind,
        "count",
        "runtime.gopark",
        "/go/src/runtime/proc.go",
        "main.receiveOne",
        "main.caller[go.shape.int]",
        "/src/main.go",
        "worker",
        "w1",
        "n",
    ]
    profile.string_table.extend(strings)
    index = {s: i for i, s in enumerate(strings)}
    profile.sample_type.add(type=index[kind], unit=index["count"])
    for fid, (name, file) in enumerate(
        [
            ("runtime.gopark", "/go/src/runtime/proc.go"),
            ("main.receiveOne", "/src/main.go"),
            ("main.caller[go.shape.int]", "/src/main.go"),
        ],
        1,
    ):
        profile.function.add(id=fid, name=index[name], filename=index[file])
    profile.location.add(id=1, address=0x48A26A).line.add(function_id=1, line=474)
    inlined = profile.location.add(id=2, address=0x67FFA8)
    inlined.line.add(function_id=2, line=95)
    inlined.line.add(function_id=3, line=99)
    profile.location.add(id=3, address=0x7F00)  # no symbols
    sample = profile.sample.add(value=[3])
    sample.location_id.extend([1, 2, 9] if bad_location else [1, 2])
    sample.label.add(key=index["worker"], str=index["w1"])
    sample.label.add(key=index["n"], num=7)
    profile.sample.add(value=[1], location_id=[3])
    return profile.SerializeToString()


@pytest.mark.parametrize("compress", [True, False])
def test_profile(compress: bool):
    data = build()
    report = ParseReport()
    first, second = parse_profile(gzip.compress(data) if compress else data, report)
    assert first.count == 3 and first.id is None and first.state == ""
    assert first.frames == (
        Frame("runtime.gopark", "/go/src/runtime/proc.go", 474),
        Frame("main.receiveOne", "/src/main.go", 95, inlined=True),
        Frame("main.caller[...]", "/src/main.go", 99),
    )
    assert first.labels == (("worker", "w1"), ("n", "7"))
    assert second.frames == (Frame("?", offset="pc=0x7f00"),)
    assert report.format is DumpFormat.PROTO and report.goroutines == 4
    assert "wait durations" in report.missing and report.issues == []


def test_leak_profile_marks_records_leaked():
    report = ParseReport()
    assert all(g.leaked for g in parse_profile(build("goroutineleak"), report))
    assert report.format is DumpFormat.LEAK_PROFILE


def test_missing_location_is_an_issue():
    report = ParseReport()
    first, _ = parse_profile(build(bad_location=True), report)
    assert len(first.frames) == 3 and "missing location 9" in report.issues[0].message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (build("cpu"), "'cpu' profile, not a goroutine profile"),
        (b"\x08\x01", "not a pprof profile"),
        (b"\xff\xff\xff", "not a pprof protobuf profile"),
        (gzip.compress(build())[:-12], "truncated gzip data"),
        (b"\x1f\x8bnot gzip at all", "corrupt gzip data"),
    ],
)
def test_refused(data: bytes, message: str):
    with pytest.raises(InputError, match=message):
        list(parse_profile(data, ParseReport(), source="p"))


def test_inflated_size_is_capped():
    bomb = gzip.compress(b"\0" * (1 << 20))
    with pytest.raises(InputError, match="inflates to more than 1000 B"):
        gunzip(bomb, max_size=1000)


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("main.f", "main.f"),
        ("main.F[go.shape.int]", "main.F[...]"),
        ("main.(*List[go.shape.string]).Push", "main.(*List[...]).Push"),
        ("main.G[map[string]int,go.shape.int].func1", "main.G[...].func1"),
        ("main.broken[x", "main.broken[x"),
    ],
)
def test_name_for_print(name: str, printed: str):
    assert name_for_print(name) == printed


def test_schema_is_proto3_and_names_profile():
    descriptor = file_descriptor()
    assert descriptor.syntax == "proto3"
    assert descriptor.message_type[0].name == "Profile"


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_bytes_decode_or_are_an_input_error(data: bytes):
    for candidate in (data, build()[: len(data)], gzip.compress(data)):
        try:
            for goroutine in parse_profile(candidate, ParseReport()):
                assert goroutine.count >= 0
        except InputError:
            pass


@given(st.lists(st.integers(min_value=0, max_value=2000), max_size=6))
@settings(deadline=None)
def test_gunzip_in_any_pieces(cuts: list[int]):
    data = gzip.compress(bytes(range(256)) * 40 + bytes(50_000))
    points = sorted({min(c, len(data)) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert gunzip_chunks(pieces) == gzip.decompress(data)


def test_negative_and_deep_samples():
    report = ParseReport()
    profile = profile_class()()
    profile.string_table.extend(["", "goroutine", "count", "main.f", "/a.go"])
    profile.sample_type.add(type=1, unit=2)
    profile.function.add(id=1, name=3, filename=4)
    profile.location.add(id=1).line.add(function_id=1, line=7)
    profile.sample.add(value=[-1], location_id=[1])
    profile.sample.add(value=[4], location_id=[1] * 5000)
    (deep,) = parse_profile(profile.SerializeToString(), report)
    assert deep.count == 4 and len(deep.frames) == MAX_FRAMES_PER_SAMPLE and deep.frames_elided
    assert [i.message for i in report.issues] == [
        "sample 1 has a negative goroutine count (-1); skipped",
        f"sample 2 has more than {MAX_FRAMES_PER_SAMPLE} frames; kept the innermost",
    ]
