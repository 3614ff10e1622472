"""Reading goroutine dumps: bytes in, goroutines out, whatever the format.

The two calls the rest of gotriage uses::

    report = ParseReport()
    for goroutine in iter_goroutines(read_source(path), report, source=path):
        ...
    report.format, report.missing, report.issues, report.context   # read after the loop

``iter_goroutines(chunks, report, *, source="")`` detects the format from the first bytes
(:mod:`gotriage.goroutines.detect`), then

* streams text formats (traceback, debug=1) line by line through the incremental parsers, so
  memory holds one chunk and one goroutine at a time, however large the dump;
* collects protobuf input up to ``max_proto_bytes`` (gzip is inflated as it arrives, in pieces,
  and refused as soon as the inflated size passes that cap too), then decodes it.

It raises :class:`~gotriage.errors.InputError` (with ``source`` and, where it makes sense, the
line) for input that is no goroutine dump at all: empty input, text without any goroutine, a
malformed debug=1 header, binary data that is not a goroutine profile, a profile of another kind.
Lines it cannot make sense of inside a dump go to ``report.issues`` and reading continues.

``read_source(path, *, max_bytes=2 GiB)`` yields the bytes of a file, or of standard input for
``"-"``, in chunks; it raises InputError for a missing file, a directory, an unreadable file,
or input larger than ``max_bytes`` (the message says the cap and how to raise it).
Fetching URLs is done elsewhere; a fetcher just passes its response chunks to
``iter_goroutines``.
"""

from __future__ import annotations

import codecs
import itertools
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from gotriage.errors import InputError
from gotriage.goroutines import detect, parse_debug1, parse_proto, parse_text
from gotriage.goroutines.lines import drain
from gotriage.model import DumpFormat, Goroutine, ParseIssue, ParseReport
from gotriage.units import format_size

DEFAULT_MAX_BYTES = 2 << 30  # 2 GiB
DEFAULT_MAX_PROTO_BYTES = parse_proto.DEFAULT_MAX_INFLATED  # compressed, and inflated
MAX_LINE_CHARS = 1 << 20  # longer lines are cut, with an issue
CHUNK_SIZE = 1 << 20
SIZE_HINT = "raise it with --max-bytes"
_HEAD_BYTES = 64 << 10


def read_source(
    path: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    chunk_size: int = CHUNK_SIZE,
    hint: str = SIZE_HINT,
    stdin: BinaryIO | None = None,
) -> Iterator[bytes]:
    """Chunks of ``path`` ("-" for standard input), refusing more than ``max_bytes`` bytes.

    The file is opened (and a regular file's size checked) before this returns, so a missing
    or unreadable file fails at once; reading itself happens as the chunks are consumed.
    """
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _chunks(stream, "<stdin>", max_bytes, chunk_size, hint, close=False)
    try:
        stream = Path(path).open("rb")  # noqa: SIM115 - closed by _chunks
    except FileNotFoundError:
        raise InputError("no such file", source=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a goroutine dump file", source=path) from None
    except PermissionError:
        raise InputError("permission denied", source=path) from None
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror or exc}", source=path) from None
    try:
        info = os.fstat(stream.fileno())
    except OSError as exc:
        stream.close()
        raise InputError(f"cannot read: {exc.strerror or exc}", source=path) from None
    if stat.S_ISDIR(info.st_mode):
        stream.close()
        raise InputError("is a directory, expected a goroutine dump file", source=path)
    if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
        stream.close()
        raise InputError(
            f"file is {format_size(info.st_size)}, more than the "
            f"{format_size(max_bytes)} cap; {hint}",
            source=path,
        )
    return _chunks(stream, path, max_bytes, chunk_size, hint, close=True)


def _chunks(
    stream: BinaryIO, source: str, max_bytes: int, chunk_size: int, hint: str, *, close: bool
) -> Iterator[bytes]:
    total = 0
    try:
        while True:
            try:
                chunk = stream.read(chunk_size)
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror or exc}", source=source) from None
            if not chunk:
                return
            total += len(chunk)
            if total > max_bytes:
                raise InputError(
                    f"input is larger than the {format_size(max_bytes)} cap; {hint}", source=source
                )
            yield chunk
    finally:
        if close:
            stream.close()


def iter_goroutines(
    chunks: Iterable[bytes],
    report: ParseReport,
    *,
    source: str = "",
    max_proto_bytes: int = DEFAULT_MAX_PROTO_BYTES,
) -> Iterator[Goroutine]:
    """Goroutines from the bytes of a dump in any supported format; see the module docstring."""
    it = iter(chunks)
    head = b""
    exhausted = False
    while len(head) < _HEAD_BYTES:
        chunk = next(it, None)
        if chunk is None:
            exhausted = True
            break
        head += chunk
        if head[:2] == detect.GZIP_MAGIC or detect.looks_binary(head):
            break
        if b"\n" in chunk and detect.first_text_line(head) is not None:
            break
    if not head.strip():
        raise InputError(f"empty input: {detect.EXPECTED}", source=source)
    fmt = detect.sniff(head, complete=exhausted)
    report.format = fmt
    if fmt is DumpFormat.PROTO:
        yield from _proto(head, it, report, source, max_proto_bytes)
        return
    lines = _lines(head, it, report)
    parser: parse_text.TracebackParser | parse_debug1.Debug1Parser
    if fmt is DumpFormat.TRACEBACK:
        parser = parse_text.TracebackParser(report)
        # Until the first goroutine header, a debug=1 header may still turn up after some
        # preamble (an HTTP response saved with its headers, a note at the top of the file).
        for line in lines:
            if line.startswith("goroutine") and parse_debug1.header_format(line) is not None:
                parser = parse_debug1.Debug1Parser(
                    report, source=source, first_line=parser.lineno + 1
                )
                parser.feed(line)
                break
            done = parser.feed(line)
            if done is not None:
                yield done
            if parser.headers:
                break
    else:
        parser = parse_debug1.Debug1Parser(report, source=source)
    yield from drain(parser, lines)
    report.lines = parser.lineno
    if isinstance(parser, parse_text.TracebackParser) and parser.headers == 0:
        # Control bytes without protobuf structure were read as text (a log with NULs is
        # still a log); say so when no goroutine turned up in it either.
        binary = (
            "binary data that is not a pprof protobuf profile, and "
            if detect.looks_binary(head)
            else ""
        )
        raise InputError(
            f"{binary}no goroutine found in {parser.lineno} lines; {detect.EXPECTED}",
            source=source,
        )


def _lines(head: bytes, rest: Iterator[bytes], report: ParseReport) -> Iterator[str]:
    """Decoded lines without their newline; overlong lines are cut (and noted)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    texts = itertools.chain(
        (decoder.decode(head.removeprefix(detect.UTF8_BOM)),),
        (decoder.decode(chunk) for chunk in rest),
        (decoder.decode(b"", final=True),),
    )
    pending = ""
    count = 0
    skipping = False  # dropping the rest of an overlong line
    for text in texts:
        if skipping:
            newline = text.find("\n")
            if newline < 0:
                continue
            text = text[newline + 1 :]
            skipping = False
        joined = pending + text
        lines = joined.split("\n")
        pending = lines.pop()
        if len(joined) <= MAX_LINE_CHARS or max(map(len, lines), default=0) <= MAX_LINE_CHARS:
            count += len(lines)
            yield from lines
        else:
            for line in lines:
                count += 1
                if len(line) > MAX_LINE_CHARS:
                    report.issues.append(
                        ParseIssue(
                            count, f"line longer than {MAX_LINE_CHARS} characters cut short", ""
                        )
                    )
                    line = line[:MAX_LINE_CHARS]
                yield line
        if len(pending) > MAX_LINE_CHARS:
            count += 1
            report.issues.append(
                ParseIssue(count, f"line longer than {MAX_LINE_CHARS} characters cut short", "")
            )
            yield pending[:MAX_LINE_CHARS]
            pending = ""
            skipping = True
    if pending:
        yield pending


def _proto(
    head: bytes,
    rest: Iterator[bytes],
    report: ParseReport,
    source: str,
    max_bytes: int,
) -> Iterator[Goroutine]:
    # Gzip is inflated as it arrives, so neither the compressed nor the inflated bytes are
    # held twice, and a bomb is refused as soon as it passes the cap.
    chunks = _proto_chunks(itertools.chain((head,), rest), source, max_bytes)
    if head[:2] == detect.GZIP_MAGIC:
        data = parse_proto.gunzip_chunks(chunks, max_size=max_bytes, source=source)
    else:
        data = b"".join(chunks)
    yield from parse_proto.parse_profile(data, report, source=source, max_inflated=max_bytes)


def _proto_chunks(chunks: Iterable[bytes], source: str, max_bytes: int) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise InputError(
                f"protobuf profile is larger than the {format_size(max_bytes)} cap",
                source=source,
            )
        yield chunk
