"""Numbers as dumps print them: whole_number takes ASCII digits of bounded length only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.goroutines.numbers import MAX_DIGITS, whole_number


@pytest.mark.parametrize(
    ("text", "base", "value"),
    [
        ("0", 10, 0),
        ("18446744073709551615", 10, 2**64 - 1),
        ("ff", 16, 255),
        ("FF", 16, 255),
        ("377", 8, 255),
        ("", 10, None),
        ("\u00b2", 10, None),  # superscript two: isdigit() but not int()
        ("\u0663", 10, None),  # Arabic-Indic three: int() takes it, the runtime never prints it
        ("\u0663\u0663", 16, None),
        ("7" * 5000, 10, None),
        ("1" * (MAX_DIGITS + 1), 10, None),
        ("+1", 10, None),
        (" 1", 10, None),
        ("1_000", 10, None),
        ("8", 8, None),
        ("g", 16, None),
    ],
)
def test_whole_number(text: str, base: int, value: int | None):
    assert whole_number(text, base) == value


@given(st.text(max_size=30), st.sampled_from([8, 10, 16]))
def test_never_raises(text: str, base: int):
    value = whole_number(text, base)
    assert value is None or (text.isascii() and value == int(text, base))
