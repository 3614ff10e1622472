"""Tracebacks inside logs: a prefix or a suffix on every line, a dump escaped into one line.

``kubectl logs --timestamps``, ``docker logs -t``, journald and ``cat -n`` put something before
each line the Go runtime wrote; log viewers' exports put something after it; structured loggers
(logrus, JSON loggers, what dockerd and containerd log on SIGUSR1) escape a whole dump into one
field of one line. The traceback reader asks this module, whenever a line that looks like a
goroutine header does not read as one:

* :func:`find_prefix`: the prefix before a header, as a pattern whose digit runs may hold any
  digits and whose space runs may hold any number of spaces (timestamps and line numbers change
  from line to line, everything else stays). It applies to the section that header opens, so
  two pastes with different prefixes in one input are both read;
* :func:`find_suffix`: the constant text after a header's closing ``:``;
* :func:`escaped_dump`: the lines of a dump escaped inside a quoted field.

Nothing here holds lines back: each call looks at one line. No I/O.
"""

from __future__ import annotations

import re

# A goroutine header anywhere in a line; what stands before it is the candidate prefix.
_HEADER = re.compile(
    r"(?P<prefix>.*?[\s:\]|>`])goroutine \d+ "
    r"(?:gp=0x[0-9a-f]+ m=(?:\d+|nil) (?:mp=0x[0-9a-f]+ )?)?\["
)
# Anything shaped like a header, wherever it stands in the line.
LOOKS_LIKE_HEADER = re.compile(r"goroutine \d+ (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[")
# A prefix longer than this is not a log prefix but a line that mentions a goroutine.
MAX_PREFIX_CHARS = 200
MAX_SUFFIX_CHARS = 64
# ANSI escape sequences (colours, cursor moves) that terminals and log viewers leave in text.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# The header inside escaped text: "goroutine N [...]:" followed by an escaped newline.
_ESCAPED_HEADER = re.compile(r"goroutine \d+ [^\n\"]{0,300}?[\]}]:\\n")
_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0"}
_QUOTED_REST = re.compile(r'(?:[^"\\]++|\\.)*+', re.S)


def prefix_pattern(prefix: str) -> re.Pattern[str]:
    """A pattern for prefixes shaped like ``prefix``: digit and space runs may change."""
    parts = re.split(r"(\d+| +)", prefix)
    out = []
    for part in parts:
        if part.isdigit():
            out.append(r"\d+")
        elif part and part.strip(" ") == "":
            out.append(" +")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def find_prefix(line: str) -> re.Pattern[str] | None:
    """The prefix pattern if ``line`` is a goroutine header behind a prefix, else None."""
    if line.startswith("goroutine "):
        return None
    match = _HEADER.match(line)
    if match is None or len(match.group("prefix")) > MAX_PREFIX_CHARS:
        return None
    return prefix_pattern(match.group("prefix"))


def find_suffix(line: str, is_header: object) -> str | None:
    """The constant text after a header's ``:`` (``"[running]:   - "`` -> ``"   - "``).

    ``is_header(text)`` says whether ``text`` (the line without the suffix) is a header.
    """
    for marker in ("]:", "}:"):
        end = line.rfind(marker)
        while end > 0:
            suffix = line[end + 2 :]
            if not suffix or len(suffix) > MAX_SUFFIX_CHARS:
                break
            if is_header(line[: end + 2]):  # type: ignore[operator]
                return suffix
            end = line.rfind(marker, 0, end)
    return None


def strip_suffix(line: str, suffix: str, trimmed: str) -> str:
    """``line`` without ``suffix`` (or without ``trimmed``, the suffix with its end blanks cut)."""
    if line.endswith(suffix):
        return line[: len(line) - len(suffix)]
    if trimmed and line.endswith(trimmed):
        return line[: len(line) - len(trimmed)].rstrip(" ")
    return line


def _unescape(found: re.Match[str]) -> str:
    code = found.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _SIMPLE_ESCAPES.get(code, code)


def escaped_dump(line: str) -> list[str] | None:
    """The lines of a goroutine dump escaped inside ``line`` (``msg="...\\ngoroutine 1 [...``).

    The quoted field holding the first escaped header is unescaped (JSON and Go escapes) and
    split into lines; None when ``line`` holds no escaped dump.
    """
    header = _ESCAPED_HEADER.search(line)
    if header is None:
        return None
    start = line.rfind('"', 0, header.start())
    while start > 0 and _escaped_at(line, start):
        start = line.rfind('"', 0, start)
    begin = start + 1 if start >= 0 else 0
    rest = _QUOTED_REST.match(line, header.start())
    end = rest.end() if rest is not None else len(line)
    text = _ESCAPES.sub(_unescape, line[begin:end])
    return text.split("\n")


def _escaped_at(line: str, index: int) -> bool:
    """True when the character at ``index`` follows an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and line[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1
