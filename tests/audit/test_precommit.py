"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real ``pre-commit`` tool
(``pre-commit try-repo``) on a small Git repository with one bad and one good Go file.

pre-commit installs this repository into a virtual environment of its own (``language:
python``), which needs the package index; the test skips, saying so, when that is out of reach.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
BAD = """package web

import "net/http"

func New(h http.Handler) *http.Server {
	return &http.Server{Handler: h}
}
"""
GOOD = "package web\n\nfunc Add(a, b int) int { return a + b }\n"
NO_INDEX = ("No matching distribution", "Could not find a version", "Failed to establish")


def test_hooks_manifest_names_the_cli():
    hooks = {
        hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    assert set(hooks) == {"gotriage-audit", "gotriage-audit-repo"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["entry"].startswith("gotriage audit")
        assert hook["types"] == ["go"]
    assert hooks["gotriage-audit-repo"]["pass_filenames"] is False


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    if not (ROOT / ".git").exists():
        pytest.skip("the project is not a Git checkout: pre-commit try-repo needs one")
    tracked = subprocess.run(
        [git, "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
    )
    if tracked.returncode != 0:
        pytest.skip(".pre-commit-hooks.yaml is not committed: try-repo reads the committed tree")
    base = tmp_path_factory.mktemp("precommit")
    repo = base / "repo"
    repo.mkdir()
    (repo / "bad.go").write_text(BAD)
    (repo / "good.go").write_text(GOOD)
    subprocess.run([git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([git, "add", "."], cwd=repo, check=True)
    return repo, base / "home"


def try_repo(project, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    repo, home = project
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    if "An error has occurred" in output:
        if any(words in output for words in NO_INDEX):
            pytest.skip("pre-commit could not install the hook: the package index is unreachable")
        pytest.fail(output)
    return done


def test_hooks_fail_on_the_bad_file_and_pass_the_good_one(project):
    failing = try_repo(project, "gotriage-audit", "--files", "bad.go", "good.go")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "bad.go:6:10 GT101" in failing.stdout
    assert "good.go:" not in failing.stdout
    # Both hooks on good.go alone: the commit's files pass, the whole tree still has bad.go.
    both = try_repo(project, "--files", "good.go")
    assert both.returncode == 1, both.stdout + both.stderr
    lines = both.stdout.splitlines()
    assert any(line.startswith("gotriage audit.") and line.endswith("Passed") for line in lines)
    assert any(
        line.startswith("gotriage audit (whole tree)") and "Failed" in line for line in lines
    )
    assert "bad.go:6:10 GT101" in both.stdout
