"""Format detection from the first bytes."""

from __future__ import annotations

import gzip

import pytest

from gotriage.goroutines import detect
from gotriage.model import DumpFormat


@pytest.mark.parametrize(
    ("head", "complete", "expected"),
    [
        (gzip.compress(b"anything"), False, DumpFormat.PROTO),
        (b"\x0a\x0f\x08\x01\x10\x02", False, DumpFormat.PROTO),  # ungzipped protobuf
        (b"goroutine profile: total 3\n3 @ 0x1\n", False, DumpFormat.DEBUG1),
        (b"\n\n  goroutineleak profile: total 1\n", False, DumpFormat.LEAK_PROFILE),
        (b"\xef\xbb\xbfgoroutine profile: total 3\n", False, DumpFormat.DEBUG1),
        (b"goroutine profile: total 3", True, DumpFormat.DEBUG1),
        (b"goroutine profile: total 3", False, DumpFormat.TRACEBACK),  # line not complete yet
        (b"goroutine 1 [running]:\nmain.main()\n", False, DumpFormat.TRACEBACK),
        (b"2026/11/23 log line\npanic: boom\n", False, DumpFormat.TRACEBACK),
        (b"\x1b[31mcoloured log\x1b[0m\n", False, DumpFormat.TRACEBACK),
        (b"\xff\xfe not utf-8 but no control bytes\n", False, DumpFormat.TRACEBACK),
    ],
)
def test_sniff(head: bytes, complete: bool, expected: DumpFormat):
    assert detect.sniff(head, complete=complete) is expected


def test_first_text_line():
    assert detect.first_text_line(b"\n  \r\nfirst\r\nsecond\n") == "first"
    assert detect.first_text_line(b"\n\nunfinished") is None


def test_looks_binary_only_reads_the_head():
    assert not detect.looks_binary(b"a" * detect.SNIFF_BYTES + b"\x00")
    assert detect.looks_binary(b"text\x00")
