"""`gotriage goroutines URL` against a peer that misbehaves in every way (tests/go/cmd/hostile).

Each case runs gotriage in its own process and asserts the exit code, a one-line message that
names the URL, and bounds on wall time and peak memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hostile_run import BASE_MEMORY_MB, SLACK_SECONDS, run_gotriage

TIMEOUT = 2.0
PROFILE = "debug/pprof/goroutine?debug=2"


@dataclass(frozen=True)
class Case:
    mode: str
    code: int
    message: str = ""  # a fragment of the error line
    args: tuple[str, ...] = ()
    base: bool = False  # pass MODE/ as a pprof base URL (leak profile, then dump)
    memory_mb: int = BASE_MEMORY_MB


CASES = [
    Case("ok", 0),
    Case("redirect-same", 0),
    Case("silent", 2, f"no complete answer within {TIMEOUT:g}s"),
    Case("trickle-headers", 2, f"no complete answer within {TIMEOUT:g}s"),
    Case("trickle-body", 2, f"no complete answer within {TIMEOUT:g}s"),
    Case("endless", 2, "sent more than the 1 MiB cap (--max-bytes)", ("--max-bytes", "1M")),
    Case("endless-error", 2, "answered 500: internal error"),
    Case("huge-length", 2, "announces 931.3 GiB, more than the 2 GiB cap"),
    Case("redirect-loop", 2, "more than 5 redirects"),
    Case("redirect-host", 2, "redirects to http://localhost:"),
    Case("redirect-port", 2, "another scheme, host or port; not followed"),
    Case("redirect-scheme", 2, "redirects to https://127.0.0.1:"),
    Case("redirect-malformed", 2, "redirect-malformed/debug/pprof/goroutine?debug=2: "),
    # The bomb inflates to 5 GiB; it must be refused at the 128 MiB cap, not read.
    Case("gzip-bomb", 2, "gzip data inflates to more than 128 MiB", memory_mb=500),
    Case("gzip-encoding", 2, "Content-Encoding gzip"),
    Case("reset", 2, "connection lost"),
    Case("garbage", 2, "not a valid HTTP answer"),
    Case(
        "leak-endless",
        2,
        "goroutineleak?debug=2 sent more than the 1 MiB cap",
        ("--max-bytes", "1M"),
        base=True,
    ),
]


@pytest.fixture(scope="module")
def peer(go_program) -> Iterator[dict[str, str]]:
    with go_program("hostile", "-lifetime=600s") as prog:
        yield prog.addresses


@pytest.fixture(scope="module")
def hostile(peer: dict[str, str]) -> str:
    return peer["hostile"]


@pytest.mark.parametrize("case", CASES, ids=[c.mode for c in CASES])
def test_hostile_peer(hostile: str, case: Case):
    url = f"{hostile}{case.mode}/" + ("" if case.base else PROFILE)
    run = run_gotriage("goroutines", url, "--timeout", str(TIMEOUT), "-q", *case.args)
    assert run.code == case.code, run.err
    if case.code == 2:
        line = run.one_line_error()
        assert f"{hostile}{case.mode}/" in line  # the URL that failed
        assert case.message in line
        assert len(line) < 500
    assert run.seconds < TIMEOUT + SLACK_SECONDS
    assert run.peak_mb < case.memory_mb


def test_environment_proxies_are_not_used(hostile: str):
    proxy = "http://127.0.0.1:9"  # nothing listens there
    env = {"HTTP_PROXY": proxy, "http_proxy": proxy, "ALL_PROXY": proxy, "NO_PROXY": ""}
    run = run_gotriage("goroutines", f"{hostile}ok/{PROFILE}", "-q", env=env)
    assert run.code == 0, run.err


def test_tls_handshake_trickle_is_bounded(peer: dict[str, str]):
    url = peer["tls-trickle"] + PROFILE
    run = run_gotriage("goroutines", url, "--timeout", str(TIMEOUT), "-q")
    assert run.code == 2
    line = run.one_line_error()
    assert url in line and f"no complete answer within {TIMEOUT:g}s" in line
    assert run.seconds < TIMEOUT + SLACK_SECONDS
