import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.sockets.addresses import AddressError, split
from gotriage.sockets.states import state_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:80", ("127.0.0.1", 80, "")),
        ("0.0.0.0:*", ("0.0.0.0", 0, "")),
        ("*:8080", ("::", 8080, "")),
        ("*:*", ("::", 0, "")),
        ("[::]:22", ("::", 22, "")),
        ("[::1]:443", ("::1", 443, "")),
        ("[::ffff:10.1.2.3]:5432", ("10.1.2.3", 5432, "")),
        ("[fe80::1%eth0]:22", ("fe80::1", 22, "eth0")),
        ("127.0.0.53%lo:53", ("127.0.0.53", 53, "lo")),
        (":::80", ("::", 80, "")),  # netstat
        ("::1:6379", ("::1", 6379, "")),  # netstat
        ("::ffff:127.0.0.1:8080", ("127.0.0.1", 8080, "")),  # netstat
        ("fe80::1%eth0:22", ("fe80::1", 22, "eth0")),  # netstat
        ("[2001:DB8:0:0::1]:80", ("2001:db8::1", 80, "")),
    ],
)
def test_split(text, expected):
    assert split(text) == expected


@pytest.mark.parametrize(
    "text", ["", ":", "localhost:http", "1.2.3.4:99999", "[::1]80", "x:1", "1.2.3.4:"]
)
def test_not_an_address(text):
    with pytest.raises(AddressError):
        split(text)


@given(st.text(max_size=60))
def test_split_raises_only_address_error(text):
    with contextlib.suppress(AddressError):
        split(text)


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("ESTAB", "ESTAB"),
        ("ESTABLISHED", "ESTAB"),
        ("established", "ESTAB"),
        ("SYN_RECV", "SYN-RECV"),
        ("FIN_WAIT1", "FIN-WAIT-1"),
        ("FIN_WAIT2", "FIN-WAIT-2"),
        ("TIME_WAIT", "TIME-WAIT"),
        ("time-wait", "TIME-WAIT"),
        ("CLOSE_WAIT", "CLOSE-WAIT"),
        ("LAST_ACK", "LAST-ACK"),
        ("CLOSE", "UNCONN"),
        ("UNCONN", "UNCONN"),
        ("NEW_SYN_RECV", "SYN-RECV"),
        ("LISTEN", "LISTEN"),
        ("CLOSING", "CLOSING"),
    ],
)
def test_every_state_spelling(spelling, name):
    assert state_name(spelling) == name
