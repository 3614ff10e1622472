"""--fix's write phase never damages a file: atomic replacement, files changed during the run,
read-only files, symbolic links and paths outside the audited roots, write errors, and
``kill -9`` at random moments over a few hundred files."""

from __future__ import annotations

import random
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_fixtures import FIXTURES

from gotriage.audit.config import AuditConfig
from gotriage.audit.runner import audit_files
from gotriage.audit.write import TEMP_SUFFIX, write_fixes
from gotriage.cli import main

SERVER = (FIXTURES / "fix" / "notime" / "server.go").read_bytes()
SMALL = b'package p\n\nimport "net/http"\n\nvar S = &http.Server{}\n'


def tree(root: Path, count: int, content: bytes = SERVER) -> list[Path]:
    """``count`` fixable files, each a little different, under ``root``."""
    files = []
    for index in range(count):
        path = root / f"pkg{index:03d}" / "server.go"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content + f"\n// copy {index}\n".encode())
        files.append(path)
    return files


def fixed_versions(files: list[Path]) -> dict[Path, bytes]:
    report = audit_files([str(p) for p in files], AuditConfig(), jobs=1, fix=True)
    return {Path(path): new for path, (_, new) in report.fixed.items()}


def gotriage(*args: str, stderr: int = subprocess.DEVNULL, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gotriage", "audit", "--quiet", "--no-config", *args],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        **kwargs,
    )


def test_fix_replaces_atomically_and_keeps_the_mode(tmp_path, capsys):
    (path,) = tree(tmp_path, 1)
    path.chmod(0o640)
    expected = fixed_versions([path])[path]
    assert main(["audit", "--fix", "--no-config", "--enable", "GT1", str(tmp_path)]) == 0
    assert path.read_bytes() == expected
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert list(tmp_path.rglob(f"*{TEMP_SUFFIX}")) == []
    assert "fixed 1 file" in capsys.readouterr().out


def test_a_file_changed_just_before_the_rename_is_kept(tmp_path):
    (path,) = tree(tmp_path, 1)
    old = path.read_bytes()
    new = fixed_versions([path])[path]

    def edit(_: str) -> None:
        path.write_bytes(old + b"// the user's edit\n")

    (outcome,) = write_fixes({str(path): (old, new)}, [str(tmp_path)], before_rename=edit)
    assert not outcome.written and "changed since it was read" in outcome.reason
    assert path.read_bytes() == old + b"// the user's edit\n"
    assert list(tmp_path.rglob(f"*{TEMP_SUFFIX}")) == []


def test_a_file_changed_since_the_audit_read_it_is_kept(tmp_path):
    (path,) = tree(tmp_path, 1)
    old = path.read_bytes()
    new = fixed_versions([path])[path]
    path.write_bytes(b"// rewritten meanwhile\n" + old)
    (outcome,) = write_fixes({str(path): (old, new)}, [str(tmp_path)])
    assert not outcome.written and "changed since it was read" in outcome.reason
    assert path.read_bytes().startswith(b"// rewritten meanwhile\n")


def test_a_read_only_file_is_reported_and_the_others_still_fixed(tmp_path, capsys):
    files = tree(tmp_path, 3)
    expected = fixed_versions(files)
    files[1].chmod(0o444)
    before = files[1].read_bytes()
    code = main(["audit", "--fix", "--no-config", "--enable", "GT1", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 2
    assert files[1].read_bytes() == before
    assert files[0].read_bytes() == expected[files[0]]
    assert files[2].read_bytes() == expected[files[2]]
    assert f"not fixed: {files[1]}: read-only" in captured.err
    # Its findings were not resolved, so they are still reported; the others' are gone.
    assert "pkg001/server.go" in captured.out and "pkg000/server.go" not in captured.out
    assert "fixed 2 file(s)" in captured.out


def test_symbolic_links_and_paths_outside_the_roots_are_never_written(tmp_path, capsys):
    outside = tmp_path / "elsewhere" / "target.go"
    outside.parent.mkdir()
    outside.write_bytes(SERVER)
    audited = tmp_path / "tree"
    (real,) = tree(audited, 1)
    (audited / "link.go").symlink_to(outside)
    code = main(["audit", "--fix", "--no-config", "--enable", "GT1", str(audited)])
    err = capsys.readouterr().err
    assert code == 2
    assert outside.read_bytes() == SERVER
    assert (audited / "link.go").is_symlink()
    assert "link.go: is a symbolic link: not rewritten" in err
    assert b"time.Second" in real.read_bytes()
    new = fixed_versions([outside])[outside]
    (outcome,) = write_fixes({str(outside): (SERVER, new)}, [str(audited)])
    assert not outcome.written and "outside the audited paths" in outcome.reason
    assert outside.read_bytes() == SERVER


def test_a_write_error_is_reported_and_the_others_still_fixed(tmp_path):
    """A real write error: files larger than RLIMIT_FSIZE cannot be written (EFBIG)."""
    small = tree(tmp_path, 1, SMALL)[0]
    big = tmp_path / "big" / "server.go"
    big.parent.mkdir()
    big.write_bytes(SERVER + b"// padding\n" * 400)
    expected = fixed_versions([small, big])
    limit = len(big.read_bytes()) - 1

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = gotriage(
        "--fix",
        "--enable",
        "GT1",
        str(tmp_path),
        stderr=subprocess.PIPE,
        preexec_fn=limit_file_size,
    )
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert small.read_bytes() == expected[small]
    assert big.read_bytes() == SERVER + b"// padding\n" * 400
    assert f"not fixed: {big}: cannot write" in err.decode()
    assert list(tmp_path.rglob(f"*{TEMP_SUFFIX}")) == []


FILES = 300
TRIALS = 6


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_at_random_moments_leaves_every_file_whole(tmp_path):
    """Every file is byte-identical to its original or to its fixed version after SIGKILL."""
    files = tree(tmp_path, FILES)
    originals = {path: path.read_bytes() for path in files}
    expected = fixed_versions(files)
    assert set(expected) == set(files)
    first = min(files, key=str)  # files are written in path order

    def restore() -> None:
        for path, content in originals.items():
            path.write_bytes(content)
        for leftover in tmp_path.rglob(f"*{TEMP_SUFFIX}"):
            leftover.unlink()

    def start_and_wait_for_first_write(process: subprocess.Popen) -> float:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if first.read_bytes() != originals[first]:
                return time.monotonic()
            time.sleep(0.002)
        return time.monotonic()

    # One whole run measures how long the audit and the write phase take here.
    started = time.monotonic()
    process = gotriage("--fix", "-j", "1", str(tmp_path))
    writing = start_and_wait_for_first_write(process)
    process.wait(timeout=120)
    total, write_phase = time.monotonic() - started, time.monotonic() - writing
    assert all(path.read_bytes() == expected[path] for path in files)

    rng = random.Random(20261201)
    states = []
    for trial in range(TRIALS):
        restore()
        process = gotriage("--fix", "-j", "1", str(tmp_path))
        if trial % 2:  # anywhere in the run
            time.sleep(rng.uniform(0, total))
        else:  # inside the write phase
            start_and_wait_for_first_write(process)
            time.sleep(rng.uniform(0, write_phase))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        fixed = 0
        for path in files:
            content = path.read_bytes()
            assert content in (originals[path], expected[path]), f"{path} damaged (trial {trial})"
            fixed += content == expected[path]
        assert sorted(tmp_path.rglob("*.go")) == sorted(files)
        states.append(fixed)
    print(f"files fixed when killed: {states} of {FILES}")
    restore()


def test_fix_through_the_cli_keeps_other_files_untouched(tmp_path):
    """A file --fix has nothing to do for is never rewritten (its inode stays)."""
    files = tree(tmp_path, 1)
    quiet = tmp_path / "quiet.go"
    quiet.write_bytes(b"package p\n")
    inode = quiet.stat().st_ino
    assert main(["audit", "--fix", "--no-config", "--enable", "GT1", str(tmp_path)]) == 0
    assert quiet.stat().st_ino == inode
    assert b"time.Second" in files[0].read_bytes()
