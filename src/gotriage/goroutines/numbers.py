"""Whole numbers as the Go runtime prints them in dumps: ASCII digits, and not too many.

``str.isdigit`` accepts ``'²'`` and ``'٣'``, which ``int`` then refuses, and ``int`` refuses
strings of more than 4,300 digits; either would escape a parser as a ValueError. The runtime
prints goroutine ids, wait minutes, line numbers and record counts as plain decimal integers
of at most 20 digits (a uint64), and string escapes in octal or hex, so anything else is not
a number here and the caller reports the line as a parse issue.
"""

from __future__ import annotations

MAX_DIGITS = 20  # len(str(2**64 - 1))
_DIGITS = {
    8: frozenset("01234567"),
    10: frozenset("0123456789"),
    16: frozenset("0123456789abcdefABCDEF"),
}


def whole_number(text: str, base: int = 10) -> int | None:
    """The value of ``text`` if it is 1 to 20 ASCII digits of ``base`` (8, 10 or 16), else None.

    Unlike ``int`` it takes no sign, space, underscore or non-ASCII digit.
    """
    if not 0 < len(text) <= MAX_DIGITS or not _DIGITS[base].issuperset(text):
        return None
    return int(text, base)
