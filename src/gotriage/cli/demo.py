"""`gotriage demo`: build a small leaking Go service, drive it, and analyse it live.

Needs the Go toolchain pinned on PyPI (``pip install 'gotriage[go]'``). Everything runs on
127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import httpx

from gotriage import gotool
from gotriage.cli.goroutines import load
from gotriage.errors import ToolchainError
from gotriage.goroutines.source import SourceLookup
from gotriage.goroutines.suspects import Settings
from gotriage.model import Frame
from gotriage.report import goroutines_json, goroutines_text
from gotriage.report.console import stderr_console, stdout_console

REQUESTS = 40

DESCRIPTION = """\
Build leakyshop, a small Go web service with two classic goroutine leaks, with the Go toolchain
from PyPI; send it some traffic and one slow client; then run 'gotriage goroutines' on its live
/debug/pprof/ endpoint and print the report. Everything stays on 127.0.0.1.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="build a leaking Go demo service and analyse it live",
        description=DESCRIPTION,
        epilog="exit codes: 0 the demo ran, 2 the Go toolchain is missing or the build failed.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="report format (default text)"
    )
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour in text"
    )
    parser.set_defaults(func=run)


def _build() -> tuple[Path, Path]:
    """Build the demo once per source version into a cache directory; return (binary, source)."""
    source = resources.files("gotriage.demo").joinpath("leakyshop.go").read_text()
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    cache = os.environ.get("GOTRIAGE_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "gotriage"
    )
    workdir = Path(cache) / f"leakyshop-{digest}"
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError:
        workdir = Path(tempfile.mkdtemp(prefix="gotriage-demo-"))
    main_go = workdir / "main.go"
    binary = workdir / "leakyshop"
    if not binary.exists():
        (workdir / "go.mod").write_text("module leakyshop\n\ngo 1.21\n")
        main_go.write_text(source)
        gotool.find_toolchain().run(["build", "-o", str(binary), "."], workdir)
    return binary, main_go


def _drive(api: str) -> socket.socket:
    with httpx.Client(timeout=10) as client:
        for _ in range(REQUESTS):
            client.get(api + "checkout")
    url = httpx.URL(api)
    slow = socket.create_connection((url.host, url.port), timeout=5)
    slow.sendall(b"GET /checkout HTTP/1.1\r\nHost: leakyshop\r\nX-Slow: ")
    time.sleep(0.2)  # let the payment goroutines reach their send
    return slow


def run(args: argparse.Namespace) -> int:
    err = stderr_console()
    err.print("building leakyshop with the pinned Go toolchain ...")
    try:
        binary, main_go = _build()
    except ToolchainError as exc:
        raise ToolchainError(f"{exc}\n{gotool.INSTALL_HINT}") from None
    with gotool.run_program(binary, ["-lifetime=60s"]) as program:
        err.print(f"leakyshop is up; {REQUESTS} checkouts and one slow client ...")
        slow = _drive(program.url("api"))
        try:
            lookup = SourceLookup((main_go.parent,))
            analysis = load(program.url("pprof"), Settings(), lookup, timeout=30, quiet=True)
        finally:
            slow.close()

    def context(frame: Frame) -> list[tuple[int, str]]:
        return lookup.context(frame.file, frame.line)

    if args.format == "json":
        goroutines_json.render(analysis, sys.stdout, context=context)
    else:
        goroutines_text.render(analysis, stdout_console(color=args.color), context=context)
    return 0
