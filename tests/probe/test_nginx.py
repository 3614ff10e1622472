"""The probe against a real nginx with a per-line header limit (large_client_header_buffers).

Debian's nginx, started on 127.0.0.1 with a temporary configuration; the test is skipped with
the reason when nginx cannot be had (``.ci/run`` installs it when missing).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

LINE = 3 << 10
PROBE = ("--only", "max-header", "--format", "json")
CONFIG = """\
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
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
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
    config.write_text(CONFIG.format(dir=directory, port=port))
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


def test_nginx_per_line_header_limit_is_not_a_max_header_bytes(nginx):
    done = subprocess.run(
        [sys.executable, "-m", "gotriage", "probe", nginx, *PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr
    (header,) = json.loads(done.stdout)["measurements"]
    assert header["status"] == "measured", header
    assert header["line_limit"] <= LINE < header["line_limit"] + header["line_precision"]
    assert header["value"] >= 4 * LINE  # several 3 KiB lines fit: the total is apart
    assert header["implied_setting"] is None  # nginx, not Go: no "MaxHeaderBytes ≈ 0 B"
