"""Label sets as debug=1 records and Go 1.27 traceback headers print them."""

from __future__ import annotations

import pytest

from gotriage.goroutines.parse_labels import parse_label_set, unquote_go


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", ()),
        ('{"a":"b"}', (("a", "b"),)),
        ('{"a":"b", "c d":"e\\"f"}', (("a", "b"), ("c d", 'e"f'))),
        ("{worker: w1, path: /api/v1}", (("worker", "w1"), ("path", "/api/v1"))),
        ('{"tenant id": "a b", k: v}', (("tenant id", "a b"), ("k", "v"))),
        ('{"x":"\\xe2\\x82\\xac \\u00e9 \\t \\101"}', (("x", "€ é \t A"),)),
        ('{"emoji":"\\U0001F600"}', (("emoji", "\U0001f600"),)),
    ],
)
def test_label_sets(text: str, expected: tuple):
    assert parse_label_set(text) == expected


@pytest.mark.parametrize(
    "text", ["", "{", "a: b", '{"a"}', '{"a":"b" "c":"d"}', '{"a":"\\q"}', '{"a":"b']
)
def test_not_label_sets(text: str):
    assert parse_label_set(text) is None


def test_unquote_reports_where_the_string_ends():
    assert unquote_go('x"ab\\"c"rest', 1) == ('ab"c', 8)
    assert unquote_go("no quote", 0) is None
