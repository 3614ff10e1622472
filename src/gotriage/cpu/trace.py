"""An execution trace summarised by the Go toolchain's own reader, never by parsing it here.

``go tool trace -pprof=KIND TRACE`` writes a pprof profile of the time goroutines spent blocked
on the network (``net``), on sync primitives (``sync``), in system calls (``syscall``) and
runnable but waiting for a P (``sched``). The four run at once; each profile is decoded with
:func:`gotriage.cpu.profile.decode_profile` and its time is grouped by *blocking site*: for
net/http's connection goroutines, whether they wait reading a request (the client's time) or in
a handler; otherwise the innermost frame of the user's code.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from gotriage.cpu.categorise import Categoriser
from gotriage.cpu.profile import Profile, decode_profile
from gotriage.errors import InputError, ToolchainError
from gotriage.gotool import GoToolchain, find_toolchain
from gotriage.knowledge.cpu_categories import READING_REQUESTS, WATCHING_CLIENT
from gotriage.model import Frame

KINDS = ("net", "sync", "syscall", "sched")
KIND_MEANING = {
    "net": "blocked on the network",
    "sync": "blocked on sync primitives and channels",
    "syscall": "in system calls",
    "sched": "runnable, waiting for a P (scheduler latency)",
}
TIMEOUT = 600.0
MAX_PROFILE_BYTES = 256 << 20
TOP_SITES = 10
_PLUMBING = ("runtime", "internal/", "net", "syscall", "sync", "bufio", "io", "os", "time")
NEEDS_TOOLCHAIN = (
    "an execution trace is read with the Go toolchain's 'go tool trace', and none was found; "
    "install it with: pip install 'gotriage[go]' (or set GOTRIAGE_GO to a go binary)"
)


@dataclass(slots=True)
class Site:
    site: str
    location: str
    seconds: float
    percent: float
    events: int


@dataclass(slots=True)
class Blocking:
    kind: str
    meaning: str
    seconds: float
    events: int
    sites: list[Site] = field(default_factory=list)
    top_stacks: list[tuple[float, list[str]]] = field(default_factory=list)

    @property
    def mean_ms(self) -> float:
        return 1000 * self.seconds / self.events if self.events else 0.0


@dataclass(slots=True)
class TraceSummary:
    source: str
    blocking: dict[str, Blocking]
    duration_seconds: float | None = None  # known for a trace captured live

    def seconds_at(self, kind: str, site: str) -> float:
        block = self.blocking.get(kind)
        if block is None:
            return 0.0
        return sum(s.seconds for s in block.sites if s.site == site)


def blocking_site(frames: tuple[Frame, ...], categoriser: Categoriser) -> tuple[str, str]:
    """(site, file:line) a blocked stack is charged to."""
    if not frames:
        return "(no stack recorded)", ""
    functions = [f.function for f in frames]
    if "net/http.(*conn).serve" in functions:
        for frame in frames:
            if frame.function == "net/http.(*conn).readRequest":
                return READING_REQUESTS, frame.location
            if frame.function == "net/http.(*connReader).backgroundRead":
                return WATCHING_CLIENT, frame.location
    user = categoriser.user_frame(frames)
    if user is not None:
        return user.function, user.location
    for frame in frames:
        if not frame.function.startswith(_PLUMBING):
            return frame.function, frame.location
    return frames[0].function, frames[0].location


def summarise(profile: Profile, kind: str, categoriser: Categoriser | None = None) -> Blocking:
    cat = categoriser or Categoriser()
    seconds: dict[tuple[str, str], float] = {}
    events: Counter[tuple[str, str]] = Counter()
    for stack in profile.stacks:
        key = blocking_site(stack.frames, cat)
        seconds[key] = seconds.get(key, 0.0) + stack.nanos / 1e9
        events[key] += stack.count
    total = profile.nanos / 1e9
    sites = [
        Site(site, location, s, 100 * s / total if total else 0.0, events[(site, location)])
        for (site, location), s in sorted(seconds.items(), key=lambda kv: -kv[1])[:TOP_SITES]
    ]
    stacks = sorted(profile.stacks, key=lambda s: -s.nanos)[:3]
    top = [(s.nanos / 1e9, [f.function for f in s.frames[:8]]) for s in stacks]
    return Blocking(kind, KIND_MEANING[kind], total, profile.samples, sites, top)


def _run_tool(toolchain: GoToolchain, path: Path, kind: str, timeout: float) -> bytes:
    try:
        done = subprocess.run(
            [str(toolchain.go), "tool", "trace", f"-pprof={kind}", str(path)],
            env=toolchain.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InputError(
            f"go tool trace -pprof={kind} took longer than {timeout:.0f}s", source=str(path)
        ) from exc
    except OSError as exc:
        raise ToolchainError(f"cannot run {toolchain.go}: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["(no message)"]
        raise InputError(f"go tool trace could not read it: {lines[-1][:300]}", source=str(path))
    if len(done.stdout) > MAX_PROFILE_BYTES:
        raise InputError(
            f"go tool trace -pprof={kind} wrote an oversized profile", source=str(path)
        )
    return done.stdout


def toolchain_for_traces() -> GoToolchain:
    try:
        return find_toolchain()
    except ToolchainError:
        raise ToolchainError(NEEDS_TOOLCHAIN) from None


def summarise_trace(
    path: Path,
    *,
    source: str = "",
    toolchain: GoToolchain | None = None,
    timeout: float = TIMEOUT,
    duration_seconds: float | None = None,
) -> TraceSummary:
    """Run the four ``go tool trace -pprof`` reports on the trace at ``path`` and summarise."""
    toolchain = toolchain or toolchain_for_traces()
    categoriser = Categoriser()
    workers = max(1, min(len(KINDS), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outputs = dict(
            zip(
                KINDS,
                pool.map(lambda k: _run_tool(toolchain, path, k, timeout), KINDS),
                strict=True,
            )
        )
    blocking = {}
    for kind, data in outputs.items():
        if not data:
            blocking[kind] = Blocking(kind, KIND_MEANING[kind], 0.0, 0)
            continue
        profile = decode_profile(data, source=f"{source or path} (-pprof={kind})")
        blocking[kind] = summarise(profile, kind, categoriser)
    return TraceSummary(source or str(path), blocking, duration_seconds)
