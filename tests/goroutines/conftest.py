"""Fixtures of the goroutine tests: the hanging test binary, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from gotriage import gotool

GO_MODULE = Path(__file__).parents[1] / "go"


@pytest.fixture(scope="session")
def stuck_test_bin(
    tmp_path_factory: pytest.TempPathFactory, go_toolchain: gotool.GoToolchain
) -> Path:
    """``tests/go/stuck`` compiled with ``go test -c``: run it with ``-test.timeout``."""
    out = tmp_path_factory.mktemp("gotest").resolve() / "stuck.test"
    go_toolchain.run(["test", "-c", "-o", str(out), "./stuck"], GO_MODULE)
    return out
