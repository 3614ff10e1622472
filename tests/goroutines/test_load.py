"""Reading dumps from files and standard input, with caps, and streaming them."""

from __future__ import annotations

import gzip
import io
import os
import sys

import pytest

from gotriage.errors import InputError
from gotriage.goroutines import load
from gotriage.goroutines.load import iter_goroutines, read_source
from gotriage.model import DumpFormat, ParseReport

DUMP = b"""goroutine 1 [running]:
main.main()
\t/src/main.go:5 +0x1d

goroutine 7 [chan send, 3 minutes]:
main.worker()
\t/src/worker.go:9 +0x25
created by main.main in goroutine 1
\t/src/main.go:4 +0x1a
"""


def ids(chunks, source="test") -> list[int | None]:
    return [g.id for g in iter_goroutines(chunks, ParseReport(), source=source)]


def test_file(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_bytes(DUMP)
    assert ids(read_source(str(path), chunk_size=5)) == [1, 7]


def test_stdin_dash():
    assert ids(read_source("-", stdin=io.BytesIO(DUMP))) == [1, 7]


def test_stdin_dash_reads_sys_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DUMP)))
    assert ids(read_source("-")) == [1, 7]


def test_missing_file(tmp_path):
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="no such file") as error:
        read_source(missing)
    assert str(error.value).startswith(missing)


def test_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_source(str(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_bytes(DUMP)
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        read_source(str(path))


def test_size_cap_on_a_file_fails_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(DUMP * 10)
    with pytest.raises(InputError, match=r"more than the 100 B cap; raise it with --max-bytes"):
        read_source(str(path), max_bytes=100)


def test_size_cap_on_stdin_fails_while_reading():
    chunks = read_source("-", stdin=io.BytesIO(DUMP * 10), max_bytes=1024, chunk_size=64)
    with pytest.raises(InputError, match="larger than the 1 KiB cap"):
        ids(chunks)


def test_size_cap_hint_is_configurable():
    chunks = read_source("-", stdin=io.BytesIO(DUMP), max_bytes=10, hint="use --limit")
    with pytest.raises(InputError, match="use --limit"):
        list(chunks)


def test_proto_cap():
    data = gzip.compress(b"x" * 1000)
    with pytest.raises(InputError, match="larger than the"):
        list(iter_goroutines([data[:10], data[10:]], ParseReport(), max_proto_bytes=12))


def test_crlf_and_bom():
    data = b"\xef\xbb\xbf" + DUMP.replace(b"\n", b"\r\n")
    report = ParseReport()
    found = list(iter_goroutines([data], report))
    assert [g.id for g in found] == [1, 7]
    assert found[1].created_by.file == "/src/main.go" and report.issues == []


def test_report_after_the_loop():
    report = ParseReport()
    for _ in iter_goroutines([DUMP], report):
        pass
    assert report.format is DumpFormat.TRACEBACK
    assert report.goroutines == 2 and report.lines == 9


def test_streams_one_goroutine_at_a_time():
    """Goroutines come out while the input is still being read."""
    consumed: list[int] = []

    def chunks():
        for i, line in enumerate(DUMP.splitlines(keepends=True)):
            consumed.append(i)
            yield line

    stream = iter_goroutines(chunks(), ParseReport())
    first = next(stream)
    assert first.id == 1 and len(consumed) < len(DUMP.splitlines())


def test_overlong_line_is_cut(monkeypatch):
    monkeypatch.setattr(load, "MAX_LINE_CHARS", 50)
    data = DUMP.replace(b"main.worker()", b"main.worker(" + b"0x1, " * 40 + b")")
    report = ParseReport()
    found = list(iter_goroutines([data[i : i + 16] for i in range(0, len(data), 16)], report))
    assert [g.id for g in found] == [1, 7]
    assert any("cut short" in issue.message for issue in report.issues)


def test_text_without_goroutines():
    with pytest.raises(InputError, match=r"^page: no goroutine found in 2 lines; expected"):
        ids([b"404 page not found\nsecond\n"], source="page")


def test_malformed_debug1_header_has_a_line_number():
    with pytest.raises(InputError, match=r"^dump:2: expected 'goroutine profile: total N'"):
        ids([b"\ngoroutine profile: total many\n"], source="dump")


def test_debug1_after_a_preamble():
    data = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"goroutine profile: total 2\n2 @ 0x1 0x2\n#\t0x1\tmain.f+0x1\t/src/main.go:3\n"
    )
    report = ParseReport()
    (record,) = iter_goroutines([data], report)
    assert record.count == 2 and record.frames[0].line == 3
    assert report.format is DumpFormat.DEBUG1 and report.lines == 6 and report.issues == []
