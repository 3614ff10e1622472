"""The code base stays ruff-clean (lint and format), the same check everywhere."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command):
    ruff = shutil.which("ruff")
    assert ruff, "ruff is part of the test extra"
    done = subprocess.run(
        [ruff, *command, "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy():
    """Type hints are checked, not only written."""
    from mypy import api

    config = str(ROOT / "pyproject.toml")
    out, err, status = api.run(["--config-file", config, "--no-incremental", str(ROOT / "src")])
    assert status == 0, out + err
