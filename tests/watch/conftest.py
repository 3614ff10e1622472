"""Fixtures of the live watch tests: the watched service and an HTTP receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gotriage import gotool

from .live import Receiver, free_port


@pytest.fixture(scope="module")
def watched(go_bin: Path) -> Iterator[gotool.RunningProgram]:
    """The watched service on a fixed port (so that a restart is the same target)."""
    port = free_port()
    with gotool.run_program(
        go_bin / "watched", ["-lifetime=240s", f"-addr=127.0.0.1:{port}"]
    ) as program:
        yield program


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
