"""Goroutine labels as the Go runtime prints them, turned into ``(key, value)`` pairs.

Two spellings exist:

* debug=1 records: ``# labels: {"key":"value", "k2":"v2"}`` (every string Go-quoted with %q);
* traceback headers since Go 1.26: ``goroutine 7 [select]: {key: value, "odd key": "v 2"}``
  (quoted only when a string holds characters other than letters, digits, ``.``, ``/``, ``_``).

Both are read by one scanner: a token is a Go double-quoted string or a run of characters up to
the next ``:`` or ``,``; pairs are separated by ``,``. Malformed text yields ``None`` so the
caller can report the line.
"""

from __future__ import annotations

from gotriage.goroutines.numbers import whole_number

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}
_HEX_LENGTH = {"x": 2, "u": 4, "U": 8}


def unquote_go(text: str, start: int) -> tuple[str, int] | None:
    """Decode the Go double-quoted string at ``text[start]``; returns (value, index after it)."""
    if start >= len(text) or text[start] != '"':
        return None
    out: list[str] = []
    raw_bytes = bytearray()  # \xNN escapes are bytes and may spell UTF-8 sequences together
    i = start + 1
    end = len(text)
    while i < end:
        ch = text[i]
        if ch == '"':
            if raw_bytes:
                out.append(raw_bytes.decode("utf-8", "replace"))
            return "".join(out), i + 1
        if ch != "\\":
            if raw_bytes:
                out.append(raw_bytes.decode("utf-8", "replace"))
                raw_bytes.clear()
            out.append(ch)
            i += 1
            continue
        if i + 1 >= end:
            return None
        esc = text[i + 1]
        if esc == "x" or esc in "01234567":
            if esc == "x":
                digits, base, width = text[i + 2 : i + 4], 16, 2
            else:
                digits, base, width = text[i + 1 : i + 4], 8, 1
            value = whole_number(digits, base) if len(digits) == (2 if esc == "x" else 3) else None
            if value is None:
                return None
            raw_bytes.append(value & 0xFF)
            i += 2 + width if esc == "x" else 4
            continue
        if raw_bytes:
            out.append(raw_bytes.decode("utf-8", "replace"))
            raw_bytes.clear()
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
            i += 2
        elif esc in _HEX_LENGTH:
            width = _HEX_LENGTH[esc]
            digits = text[i + 2 : i + 2 + width]
            code = whole_number(digits, 16) if len(digits) == width else None
            if code is None or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None  # Go's %q never prints a surrogate or a rune beyond Unicode
            out.append(chr(code))
            i += 2 + width
        else:
            return None
    return None


def _token(text: str, i: int) -> tuple[str, int] | None:
    while i < len(text) and text[i] == " ":
        i += 1
    if i < len(text) and text[i] == '"':
        return unquote_go(text, i)
    j = i
    while j < len(text) and text[j] not in ":,":
        j += 1
    return text[i:j].strip(), j


def parse_label_set(body: str) -> tuple[tuple[str, str], ...] | None:
    """Parse ``{k: v, ...}`` (braces included); ``None`` when the text is not a label set."""
    body = body.strip()
    if len(body) < 2 or body[0] != "{" or body[-1] != "}":
        return None
    inner = body[1:-1]
    pairs: list[tuple[str, str]] = []
    i = 0
    while True:
        while i < len(inner) and inner[i] == " ":
            i += 1
        if i >= len(inner):
            break
        key = _token(inner, i)
        if key is None:
            return None
        k, i = key
        while i < len(inner) and inner[i] == " ":
            i += 1
        if i >= len(inner) or inner[i] != ":":
            return None
        value = _token(inner, i + 1)
        if value is None:
            return None
        v, i = value
        pairs.append((k, v))
        while i < len(inner) and inner[i] == " ":
            i += 1
        if i < len(inner):
            if inner[i] != ",":
                return None
            i += 1
    return tuple(pairs)
