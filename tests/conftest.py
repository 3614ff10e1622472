"""Session-wide fixtures: the Go fixture programs, built once per test session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gotriage import gotool

GO_MODULE = Path(__file__).parent / "go"


@pytest.fixture(scope="session")
def go_toolchain() -> gotool.GoToolchain:
    return gotool.find_toolchain()


@pytest.fixture(scope="session")
def go_bin(tmp_path_factory: pytest.TempPathFactory, go_toolchain: gotool.GoToolchain) -> Path:
    """Directory holding every ``tests/go/cmd/<name>`` binary (one ``go build``)."""
    return gotool.build_commands(GO_MODULE, tmp_path_factory.mktemp("gobin"), go_toolchain)


@pytest.fixture(scope="session")
def go_program(go_bin: Path) -> Callable[..., object]:
    """``with go_program("leaks", "-lifetime=60s") as prog: prog.url("pprof")``."""

    def start(name: str, *args: str, **kwargs: object) -> object:
        return gotool.run_program(go_bin / name, args, **kwargs)  # type: ignore[arg-type]

    return start
