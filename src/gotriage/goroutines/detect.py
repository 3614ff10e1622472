"""Which goroutine dump format some input is, told from its first bytes.

* gzip magic (``1f 8b``) -> pprof protobuf (``debug=0``);
* control bytes that text never holds -> an ungzipped pprof protobuf (decoding then decides);
* text whose first non-blank line is ``goroutine profile: total N`` -> debug=1,
  ``goroutineleak profile: total N`` -> the debug=1 leak profile;
* any other text -> traceback (debug=2 dump, panic, SIGQUIT, fatal error; possibly inside a log).
  Whether it really holds goroutines is only known once it has been read: the traceback reader
  raises InputError when it found no ``goroutine N [...]:`` header at all.
"""

from __future__ import annotations

from gotriage.goroutines.parse_debug1 import header_format
from gotriage.model import DumpFormat

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
# Bytes below 0x20 that text (logs included) may contain: tab, LF, VT, FF, CR, ESC (colours).
_TEXT_CONTROLS = frozenset(b"\t\n\v\f\r\x1b")
SNIFF_BYTES = 1024

EXPECTED = (
    "expected a goroutine dump: debug=2 text or a panic/SIGQUIT traceback"
    " ('goroutine N [state]:' headers), a debug=1 profile ('goroutine profile: total N'),"
    " or a pprof protobuf profile (debug=0, gzipped)"
)


def looks_binary(head: bytes) -> bool:
    """True when the first bytes hold control characters that text does not."""
    return any(b < 0x20 and b not in _TEXT_CONTROLS for b in head[:SNIFF_BYTES])


def first_text_line(head: bytes) -> str | None:
    """The first non-blank line of ``head`` if it is complete (newline seen), else None."""
    text = head.removeprefix(UTF8_BOM).decode("utf-8", "replace")
    for line in text.split("\n")[:-1]:
        if line.strip():
            return line.rstrip("\r")
    return None


def sniff(head: bytes, *, complete: bool = False) -> DumpFormat:
    """The format of an input starting with ``head``.

    ``complete`` says ``head`` is the whole input (so a last line without newline counts).
    Text is TRACEBACK unless its first non-blank line is a debug=1 header.
    """
    if head.startswith(GZIP_MAGIC) or looks_binary(head):
        return DumpFormat.PROTO
    line = first_text_line(head + b"\n" if complete else head)
    if line is not None:
        fmt = header_format(line.lstrip())
        if fmt is not None:
            return fmt
    return DumpFormat.TRACEBACK
