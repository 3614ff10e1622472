"""Format detection from the first bytes."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    "head",
    [
        b"\x00\x00\x00 a log line after NUL padding\ngoroutine 1 [running]:\n",
        b"2026-11-23 log \x00 line\npanic: boom\n",
        b"\x01\x02garbage that is not protobuf\n",
        b"goroutine 1 [running]:\x00\n",
        b"\n\n2026-11-23 \x00 log line\ngoroutine 1 [running]:\n",
    ],
)
def test_control_bytes_alone_do_not_make_protobuf(head: bytes):
    assert detect.sniff(head) is DumpFormat.TRACEBACK


def test_protobuf_structure():
    assert detect.looks_protobuf(b"\x0a\x04\x08\x01\x10\x02\x12\x02\x08\x01")
    assert not detect.looks_protobuf(b"\x0a\x0f\x08\x01", complete=True)  # length past the end
    assert detect.looks_protobuf(b"\x0a\x0f\x08\x01\x10\x02" + bytes(10) + b"\x12")  # more to come
    assert not detect.looks_protobuf(b"\n\xc3\xa9t\xc3\xa9 \x00")  # a blank line, then text
    assert not detect.looks_protobuf(b"goroutine 1")
    assert not detect.looks_protobuf(b"\x00\x00")


@given(st.binary(max_size=200), st.booleans())
def test_sniff_never_raises(head: bytes, complete: bool):
    assert detect.sniff(head, complete=complete) in DumpFormat
