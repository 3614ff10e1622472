"""The probe against a real nginx: a per-line header limit (large_client_header_buffers) and a
per-write send timeout (send_timeout).

Debian's nginx, started on 127.0.0.1 with a temporary configuration; the test is skipped with
the reason when nginx cannot be had (``.ci/run`` installs it when missing).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

LINE = 3 << 10
SEND_TIMEOUT = 1.7
CONFIG = """\
{user}
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 128; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    large_client_header_buffers 6 3k;
    send_timeout {send_timeout_ms}ms;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location = /large {{ root {dir}/www; }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    directory = tmp_path_factory.mktemp("nginx")
    port = free_port()
    config = directory / "nginx.conf"
    (directory / "www").mkdir()
    with (directory / "www" / "large").open("wb") as large:
        large.truncate(64 << 20)  # sparse: 64 MiB of zeros
    # the workers of a master run as root would be "nobody", who cannot read a private tmp
    user = "user root;" if os.geteuid() == 0 else ""
    config.write_text(
        CONFIG.format(dir=directory, port=port, user=user, send_timeout_ms=int(SEND_TIMEOUT * 1000))
    )
    log = directory / "error.log"
    proc = subprocess.Popen(
        [binary, "-c", str(config), "-p", str(directory), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    proc.wait(timeout=10)
                    err = log.read_text() if log.exists() else ""
                    pytest.skip(f"nginx did not start: {err.strip()[-300:]}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def probe(url: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "gotriage", "probe", url, "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def test_nginx_per_line_header_limit_is_not_a_max_header_bytes(nginx):
    (header,) = probe(nginx, "--only", "max-header")["measurements"]
    assert header["status"] == "measured", header
    assert header["line_limit"] <= LINE < header["line_limit"] + header["line_precision"]
    assert header["value"] >= 4 * LINE  # several 3 KiB lines fit: the total is apart
    assert header["implied_setting"] is None  # nginx, not Go: no "MaxHeaderBytes ≈ 0 B"


def test_nginx_send_timeout_is_the_stalled_readers_point_value(nginx):
    args = ("--only", "stalled-reader", "--large-path", "/large", "--max-wait", "3s")
    (stalled,) = probe(nginx, *args)["measurements"]
    assert stalled["status"] == "measured", stalled
    # within 100 ms + 5% of send_timeout, the point value itself and not only its interval
    assert abs(stalled["value"] - SEND_TIMEOUT) <= 0.1 + 0.05 * SEND_TIMEOUT, stalled
