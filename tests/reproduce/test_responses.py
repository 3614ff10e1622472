"""The load's response framer: whole, byte by byte, and with the next response behind it."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.errors import InputError
from gotriage.reproduce.responses import Response, ResponseFramer

CASES = [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n", Response(200, True)),
    (b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", Response(404, True)),
    (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1;x=y\r\nd\r\n0\r\n"
        b"Trailer: t\r\n\r\n",
        Response(200, True),
    ),
    (b"HTTP/1.1 204 No Content\r\n\r\n", Response(204, True)),
    (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
        Response(200, True),
    ),
    (
        b"HTTP/1.1 431 Too Large\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno",
        Response(431, False),
    ),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", Response(200, False)),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_whole(data, expected):
    framer = ResponseFramer()
    assert framer.feed(data) == [expected]
    assert framer.idle


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_byte_by_byte(data, expected):
    framer = ResponseFramer()
    seen = []
    for i in range(len(data)):
        seen.extend(framer.feed(data[i : i + 1]))
    assert seen == [expected]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_followed_by_the_next_response(data, expected):
    framer = ResponseFramer()
    assert framer.feed(data + CASES[0][0] + b"HTTP/1.1 2") == [expected, CASES[0][1]]
    assert not framer.idle


def test_body_to_the_close():
    framer = ResponseFramer()
    assert framer.feed(b"HTTP/1.1 200 OK\r\n\r\nbody without a length") == []
    assert framer.close() == Response(200, False)


@pytest.mark.parametrize(
    "data",
    [
        b"SSH-2.0-OpenSSH\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
    ],
)
def test_not_http(data):
    with pytest.raises(InputError):
        ResponseFramer().feed(data)


@given(st.lists(st.binary(max_size=200), max_size=8))
def test_any_bytes_only_input_error(chunks):
    framer = ResponseFramer()
    with contextlib.suppress(InputError):
        for chunk in chunks:
            framer.feed(chunk)
        framer.close()
