import contextlib

import h11
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotriage.errors import FetchError, UsageError
from gotriage.probe.target import encode_path, is_loopback, parse_url, resolve


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("2001:db8::1", False),
        ("not an address", False),
    ],
)
def test_is_loopback(address, loopback):
    assert is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("http://127.0.0.1:8080/x?y=1", ("http", "127.0.0.1", 8080, "/x?y=1")),
        ("https://localhost", ("https", "localhost", 443, "/")),
        ("http://[::1]:9000/", ("http", "::1", 9000, "/")),
        # what the request line cannot carry is percent-encoded as a browser does
        ("http://127.0.0.1/€uro", ("http", "127.0.0.1", 80, "/%E2%82%ACuro")),
        ("http://127.0.0.1/a b", ("http", "127.0.0.1", 80, "/a%20b")),
        ("http://127.0.0.1/?q=é", ("http", "127.0.0.1", 80, "/?q=%C3%A9")),
        ("http://127.0.0.1/a%20b?x=1&y='\"", ("http", "127.0.0.1", 80, "/a%20b?x=1&y=%27%22")),
        ("http://127.0.0.1/{x}#frag", ("http", "127.0.0.1", 80, "/%7Bx%7D")),
        ("http://bücher.localhost/", ("http", "xn--bcher-kva.localhost", 80, "/")),
    ],
)
def test_parse_url(url, parsed):
    assert parse_url(url) == parsed


@pytest.mark.parametrize(
    ("text", "target"),
    [("/upload", "/upload"), ("/up load?name=é", "/up%20load?name=%C3%A9"), ("/€", "/%E2%82%AC")],
)
def test_path_options_are_encoded(text, target):
    assert encode_path(text) == target


@given(st.text())
def test_any_path_gives_a_request_target_h11_accepts(text):
    target = parse_url("http://127.0.0.1/" + text)[3]
    h11.Request(method="GET", target=target, headers=[("Host", "x")])
    assert target.isascii() and " " not in target


@given(st.text())
def test_any_url_parses_or_is_a_usage_error(text):
    for url in ("http://" + text, "https://[" + text, "http://127.0.0.1:" + text):
        with contextlib.suppress(UsageError):
            parse_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/",
        "127.0.0.1:80",
        "http:///x",
        "http://h:99999/",
        "http://127.0.0.1:0/",
        "http://[::1/",
        "http://[zz]:80/",
    ],
)
def test_bad_urls(url):
    with pytest.raises(UsageError):
        parse_url(url)


def test_localhost_resolving_to_loopback_is_allowed():
    target = resolve("http://localhost:1/", confirm_owned=False)
    assert is_loopback(target.address)


def test_other_addresses_need_confirm_owned():
    with pytest.raises(UsageError, match="--confirm-owned"):
        resolve("http://192.0.2.10/", confirm_owned=False)
    # with the confirmation the address is resolved but nothing is sent
    assert resolve("http://192.0.2.10/", confirm_owned=True).address == "192.0.2.10"


def test_unresolvable_host():
    with pytest.raises(FetchError, match="cannot resolve"):
        resolve("http://no-such-host.invalid/", confirm_owned=False)


@pytest.mark.parametrize(
    ("url", "endpoint", "host_header"),
    [
        ("http://127.0.0.1:8080/", "127.0.0.1:8080", "127.0.0.1:8080"),
        ("https://[::1]/", "[::1]:443", "[::1]"),
    ],
)
def test_endpoint_and_host_header(url, endpoint, host_header):
    target = resolve(url, confirm_owned=False)
    assert target.endpoint == endpoint
    assert target.host_header == host_header
