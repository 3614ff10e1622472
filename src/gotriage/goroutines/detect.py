"""Which goroutine dump format some input is, told from its first bytes.

* gzip magic (``1f 8b``) -> pprof protobuf (``debug=0``);
* control bytes that text never holds, in bytes that read as protobuf wire format with
  ``profile.proto``'s field numbers -> an ungzipped pprof protobuf (decoding then decides);
  a text log with NUL or other stray control bytes is still text;
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


def looks_protobuf(head: bytes, *, complete: bool = False) -> bool:
    """True when the first bytes walk as a ``profile.proto`` Profile message.

    Encoders write fields in number order, so a profile opens with its first sample_type
    (field 1, a ValueType of two small varints, hence a short length) followed by another
    field. Every field must then have a number from 1 to 14 and a varint or length-delimited
    wire type, and (when ``complete`` says ``head`` is the whole input) no length may point
    past its end. Text fails within a few bytes (``g`` is field 12 with wire type 7). Bytes
    beyond :data:`SNIFF_BYTES` are not looked at: a field running past them is taken on trust.
    """
    if len(head) < 2 or head[0] != 0x0A or head[1] >= _MAX_VALUE_TYPE_BYTES:
        return False
    end = min(len(head), SNIFF_BYTES)
    i = fields = 0
    while i < end:
        key, i = _varint(head, i)
        if key is None:
            return False
        number, wire = key >> 3, key & 7
        if not 1 <= number <= _LAST_PROFILE_FIELD or wire not in (0, 2):
            return False
        value, i = _varint(head, i)
        if value is None:
            return False
        fields += 1
        if wire == 2:
            if complete and i + value > len(head):
                return False
            i += value
    # One field that runs to (or past) the end of what was read: the rest may still come.
    return fields >= 2 or i >= len(head)


_MAX_VALUE_TYPE_BYTES = 64
_LAST_PROFILE_FIELD = 14  # default_sample_type


def _varint(data: bytes, i: int) -> tuple[int | None, int]:
    value = shift = 0
    for j in range(i, min(i + 10, len(data))):
        byte = data[j]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, j + 1
        shift += 7
    return None, len(data)


def sniff(head: bytes, *, complete: bool = False) -> DumpFormat:
    """The format of an input starting with ``head``.

    ``complete`` says ``head`` is the whole input (so a last line without newline counts).
    Text is TRACEBACK unless its first non-blank line is a debug=1 header.
    """
    if head.startswith(GZIP_MAGIC) or (
        looks_binary(head) and looks_protobuf(head, complete=complete)
    ):
        return DumpFormat.PROTO
    line = first_text_line(head + b"\n" if complete else head)
    if line is not None:
        fmt = header_format(line.lstrip())
        if fmt is not None:
            return fmt
    return DumpFormat.TRACEBACK
