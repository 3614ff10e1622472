"""Helpers of the live watch tests: marks of the watched program, traffic, watch runs."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

PROGRAM = Path(__file__).parents[1] / "go" / "cmd" / "watched" / "main.go"
MARK = re.compile(r"//\s*(leak|stable|by design):\s*([\w-]+)")


def marks() -> dict[str, tuple[str, int]]:
    """``// leak: NAME`` (and stable, by design) marks of the watched program: name -> place."""
    found = {}
    for number, line in enumerate(PROGRAM.read_text().splitlines(), 1):
        mark = MARK.search(line)
        if mark:
            found[mark.group(2)] = (str(PROGRAM), number)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Traffic:
    """Bounded requests to the watched service on threads, until stopped."""

    base: str
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    sent: int = 0

    def every(self, path: str, seconds: float, timeout: float = 0.5, limit: int = 400) -> None:
        def loop() -> None:
            with httpx.Client(timeout=timeout) as client:
                for _ in range(limit):
                    if self.stop.wait(seconds):
                        return
                    with contextlib.suppress(httpx.HTTPError):
                        client.get(self.base + path)
                    self.sent += 1

        self.start(loop)

    def burst(self, path: str, n: int, after: float) -> None:
        def one() -> None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(self.base + path, timeout=10)

        def loop() -> None:
            if self.stop.wait(after):
                return
            workers = [threading.Thread(target=one) for _ in range(n)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()

        self.start(loop)

    def start(self, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(15)


@contextlib.contextmanager
def traffic(base: str) -> Iterator[Traffic]:
    t = Traffic(base)
    try:
        yield t
    finally:
        t.close()


@dataclass
class WatchRun:
    process: subprocess.Popen[str]
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def events(self) -> list[dict]:
        return [json.loads(line) for line in list(self.stdout) if line.startswith("{")]

    def wait_for(self, predicate: Callable[[list[dict]], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.events()):
                return True
            if self.process.poll() is not None:
                return predicate(self.events())
            time.sleep(0.1)
        return False

    def finish(self, timeout: float = 60) -> int:
        return self.process.wait(timeout)


@contextlib.contextmanager
def run_watch(*args: str) -> Iterator[WatchRun]:
    """``gotriage watch ARGS --format jsonl`` as a process; killed at the end whatever happens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gotriage", "watch", *args, "--format", "jsonl", "--no-config"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    run = WatchRun(process)

    def read(stream, into) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    readers = [
        threading.Thread(target=read, args=(process.stdout, run.stdout), daemon=True),
        threading.Thread(target=read, args=(process.stderr, run.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        yield run
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        for reader in readers:
            reader.join(5)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


class Receiver(ThreadingHTTPServer):
    """Records every POST body: a stand-in for Alertmanager and for a webhook."""

    daemon_threads = True

    def __init__(self) -> None:
        self.posts: list[tuple[str, object]] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"
