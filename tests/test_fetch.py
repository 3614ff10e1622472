"""gotriage.fetch on its own; the hostile peers are in tests/hostile/test_hostile_http.py."""

from __future__ import annotations

import time

import pytest

from gotriage import fetch
from gotriage.cli import main
from gotriage.errors import FetchError


@pytest.mark.parametrize(("text", "seconds"), [("2", 2.0), ("0.5", 0.5), ("86400", 86400.0)])
def test_timeout_accepted(text: str, seconds: float):
    assert fetch.parse_timeout(text) == seconds


@pytest.mark.parametrize(
    "text", ["nan", "NaN", "inf", "-inf", "0", "-0", "-1", "1e300", "soon", ""]
)
def test_timeout_refused(text: str):
    with pytest.raises(ValueError, match="seconds"):
        fetch.parse_timeout(text)


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1"])
def test_timeout_option_is_checked(value: str, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["goroutines", "http://127.0.0.1:9/", "--timeout", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--timeout" in err and "seconds" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://127.0.0.1:80/a", "http://127.0.0.1/b", True),
        ("http://127.0.0.1:6060/a", "http://127.0.0.1:6060/b?c", True),
        ("http://127.0.0.1:6060/a", "http://127.0.0.1:6061/a", False),
        ("http://127.0.0.1:6060/a", "http://localhost:6060/a", False),
        ("http://127.0.0.1/a", "https://127.0.0.1/a", False),
        ("http://[::1]:6060/a", "http://[::1]:6060/b", True),
    ],
)
def test_same_origin(a: str, b: str, same: bool):
    assert fetch.same_origin(a, b) is same


def test_a_passed_deadline_fails_at_once_and_names_the_url():
    url = "http://127.0.0.1:9/debug/pprof/goroutine?debug=2"
    with pytest.raises(FetchError, match=r"^http://127\.0\.0\.1:9/debug/pprof/goroutine"):
        fetch.fetch_bytes(url, timeout=30, deadline=time.monotonic() - 1)


def test_unreachable_names_the_url():
    with pytest.raises(FetchError, match=r"127\.0\.0\.1:9/x: cannot connect"):
        fetch.fetch_bytes("http://127.0.0.1:9/x", timeout=5)


def test_unparsable_url_is_a_fetch_error():
    with pytest.raises(FetchError, match=r"http://127\.0\.0\.1:99999/"):
        fetch.fetch_bytes("http://127.0.0.1:99999/", timeout=5)


def test_errors_do_not_show_a_password():
    with pytest.raises(FetchError) as error:
        fetch.fetch_bytes("http://ops:hunter2@127.0.0.1:9/debug/pprof/", timeout=5)
    assert "hunter2" not in str(error.value) and "ops:***@127.0.0.1:9" in str(error.value)


@pytest.mark.parametrize(
    "url", ["http://[::1/x", "http://127.0.0.1:99999/", "http://\u00ff\u00ff:1/"]
)
def test_malformed_url_is_a_fetch_error(url: str):
    with pytest.raises(FetchError):
        fetch.fetch_bytes(url, timeout=5)
