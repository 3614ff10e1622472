"""The debug=1 parser on its own: records, labels, counts, what is malformed."""

from __future__ import annotations

import pytest

from gotriage.errors import InputError
from gotriage.goroutines.parse_debug1 import Debug1Parser, parse_lines
from gotriage.model import DumpFormat, Frame, ParseReport

PROFILE = """goroutine profile: total 5
3 @ 0x48a26a 0x41717c 0x67fd25 0x491041
# labels: {"worker":"w1"}
#\t0x67fd24\tmain.sendForever+0x24\t\t\t/src/main.go:48
#\t0x67fd58\tmain.(*T[...]).run+0x38\t\t/src/main.go:60

2 @ 0x491041

"""


def test_records():
    report = ParseReport()
    first, second = parse_lines(PROFILE.splitlines(), report)
    assert first.count == 3 and first.labels == (("worker", "w1"),)
    assert first.frames == (
        Frame("main.sendForever", "/src/main.go", 48, offset="0x24"),
        Frame("main.(*T[...]).run", "/src/main.go", 60, offset="0x38"),
    )
    assert second.count == 2 and second.frames == ()  # only runtime.goexit: nothing printed
    assert report.format is DumpFormat.DEBUG1 and report.goroutines == 5
    assert report.issues == [] and "goroutine ids" in report.missing


def test_feed_and_close():
    parser = Debug1Parser()
    out = [g for line in PROFILE.splitlines() if (g := parser.feed(line)) is not None]
    assert [g.count for g in out] == [3, 2]
    assert parser.close() is None and parser.total == 5


def test_total_mismatch_is_noted():
    report = ParseReport()
    list(parse_lines(PROFILE.replace("total 5", "total 9").splitlines(), report))
    assert "header says 9" in report.issues[0].message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("#\tnot-a-pc\tmain.f+0x1\t/src/main.go:1", "malformed frame line"),
        ("#\t0x1\tmain.f+0x1\t/src/main.go:x", "malformed frame line"),
        ("#\t0x1\tmain.f+0x1", "malformed frame line"),
        ("# labels: {broken", "malformed labels"),
        ("x @ 0x1", "not a debug=1 record line"),
    ],
)
def test_malformed_lines(line: str, message: str):
    report = ParseReport()
    lines = ["goroutine profile: total 1", "1 @ 0x1", line, "#\t0x1\tmain.f+0x1\t/src/main.go:1"]
    (record,) = parse_lines(lines, report)
    assert record.frames[-1].function == "main.f"
    assert report.issues[0].line == 3 and message in report.issues[0].message


def test_frame_before_any_record():
    report = ParseReport()
    assert list(parse_lines(["goroutine profile: total 0", "#\t0x1"], report)) == []
    assert report.issues[0].message == "frame line outside a record"


def test_empty_input():
    with pytest.raises(InputError, match="empty input"):
        list(parse_lines(["", ""], source="x"))
