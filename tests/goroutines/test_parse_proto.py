"""Protobuf goroutine profiles: decoding, inlined lines, labels, and what is refused."""

from __future__ import annotations

import gzip

import pytest

from gotriage.errors import InputError
from gotriage.goroutines.parse_proto import gunzip, name_for_print, parse_profile
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
