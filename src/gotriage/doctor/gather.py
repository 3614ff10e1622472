"""Collect the evidence a doctor run was given, concurrently and within one budget.

Each side (source, probe, goroutines, cpu, sockets, history) is gathered by the existing
command's own loader in a daemon thread; the main thread waits until all are done or the
budget is spent, whichever comes first, then takes what has arrived. A side still running at
the end is reported as missing with the reason, and its late result is dropped: the run never
outlasts ``--budget``. Every fetch is given the time left, not a fixed timeout.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gotriage.doctor.model import Gathered
from gotriage.errors import GotriageError, InputError, UsageError
from gotriage.goroutines.source import SourceLookup
from gotriage.goroutines.suspects import Settings as GoroutineSettings

RESERVE = 1.5  # seconds kept at the end of the budget for joining and rendering
PROBE_GRACE = 5.0  # the probe's own margin after its max-wait (gotriage.probe.runner.GRACE)
PROBES = ("header-timeout", "body-timeout", "idle-timeout", "max-header")
SQLITE_MAGIC = b"SQLite format 3\x00"
STILL = "still being collected"
MAX_BYTES = 2 << 30


@dataclass(slots=True)
class Inputs:
    url: str | None = None
    pprof: str | None = None
    source: str | None = None
    pid: int | None = None
    port: int | None = None
    files: list[str] = field(default_factory=list)
    budget: float = 60.0
    idle_seconds: float = 30.0  # sockets: silence that makes a connection a slow client
    confirm_owned: bool = False


class _Collector:
    """The gathered evidence, written by the worker threads until the budget is spent."""

    def __init__(
        self, gathered: Gathered, deadline: float, on_done: Callable[[str], None] | None = None
    ) -> None:
        self.gathered = gathered
        self.on_done = on_done
        self.deadline = deadline
        self.lock = threading.Lock()
        self.closed = False
        self.threads: dict[str, threading.Thread] = {}

    def left(self) -> float:
        return max(0.2, self.deadline - time.monotonic())

    def put(self, side: str, value: Any, collected: str) -> None:
        with self.lock:
            if self.closed:
                return
            setattr(self.gathered, side, value)
            self.gathered.collected[side] = collected
            self.gathered.missing.pop(side, None)

    def miss(self, side: str, why: str) -> None:
        with self.lock:
            if not self.closed:
                self.gathered.missing[side] = why

    def note(self, text: str) -> None:
        with self.lock:
            if not self.closed:
                self.gathered.notes.append(text)

    def start(self, side: str, work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
                with self.lock:
                    if self.gathered.missing.get(side) == STILL:
                        self.gathered.missing.pop(side)
            except GotriageError as exc:
                self.miss(side, str(exc))
            except Exception as exc:  # one side failing must not end the run
                self.miss(side, f"failed: {type(exc).__name__}: {exc}")
            if self.on_done is not None and not self.closed:
                self.on_done(side)

        thread = threading.Thread(target=run, name=f"doctor-{side}", daemon=True)
        self.threads[side] = thread
        self.miss(side, STILL)
        thread.start()

    def wait(self) -> None:
        for side, thread in self.threads.items():
            thread.join(max(0.0, self.deadline - time.monotonic()))
            if thread.is_alive():
                self.miss(side, f"not finished within the budget of {self.gathered.budget:g} s")
        with self.lock:
            self.closed = True


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "::1", "localhost")


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


# --- live sides --------------------------------------------------------------------------------


def _audit(c: _Collector, root: str) -> None:
    from gotriage.audit.config import AuditConfig
    from gotriage.audit.runner import audit_files, discover

    config = AuditConfig()
    found = discover([root], config)
    report = audit_files(found.files, config, jobs=1, not_audited=found.not_audited)
    c.put("audit", report, f"{report.files} Go file(s) audited under {root}")


def _probe(c: _Collector, url: str, budget: float) -> None:
    from gotriage.probe.model import ProbeOptions
    from gotriage.probe.runner import probe

    max_wait = max(1.0, min(30.0, budget - PROBE_GRACE - RESERVE))
    options = ProbeOptions(url, max_wait=max_wait, only=PROBES)
    report = asyncio.run(probe(options))
    done = sum(1 for m in report.measurements if m.verdict is not None)
    c.put("probe", report, f"{done} measurement(s), each waiting up to {max_wait:g} s")


def _goroutines(c: _Collector, url: str, lookup: SourceLookup, interval: float) -> None:
    from gotriage.cli.goroutines import load
    from gotriage.goroutines.analyse import compare_with
    from gotriage.goroutines.source_evidence import SourceEvidence

    static = SourceEvidence(lookup)
    first_at = time.monotonic()
    first = load(url, GoroutineSettings(), lookup, timeout=c.left(), quiet=True, static=static)
    c.put(
        "goroutines",
        first,
        f"one dump ({first.grouping.total} goroutines); leak profile {first.leak_profile}",
    )
    c.miss("growth", "the second goroutine dump is still being taken")
    sleep_until(min(first_at + interval, c.deadline - 1.0))
    try:
        second = load(url, GoroutineSettings(), lookup, timeout=c.left(), quiet=True, static=static)
    except GotriageError as exc:
        c.miss("growth", f"the second goroutine dump failed: {exc}")
        return
    minutes = (time.monotonic() - first_at) / 60
    compare_with(second, first, minutes)
    c.put(
        "goroutines",
        second,
        f"two dumps {minutes * 60:.1f} s apart ({first.grouping.total} then "
        f"{second.grouping.total} goroutines); leak profile {second.leak_profile}",
    )
    with c.lock:
        c.gathered.missing.pop("growth", None)


def _cpu(c: _Collector, url: str, seconds: float, confirm_owned: bool) -> None:
    from gotriage.cpu.analyse import analyse
    from gotriage.cpu.sources import load
    from gotriage.cpu.verdicts import Thresholds

    loaded = load(
        url,
        max_bytes=MAX_BYTES,
        seconds=seconds,
        timeout=c.left(),
        confirm_owned=confirm_owned,
    )
    c.put("cpu", analyse([loaded], Thresholds()), f"a {seconds:g} s CPU profile")


def _sockets(c: _Collector, inputs: Inputs, port: int | None, interval: float) -> None:
    from gotriage.sockets import live
    from gotriage.sockets.analyse import Settings, analyse

    settings = Settings(idle_seconds=inputs.idle_seconds, port=port, pid=inputs.pid)
    started = time.monotonic()
    tables = [live.snapshot(inputs.pid)]
    c.put("sockets", analyse(tables, settings), "one socket table")
    sleep_until(min(started + interval, c.deadline - 0.5))
    tables.append(live.snapshot(inputs.pid))
    c.put("sockets", analyse(tables, settings), f"{len(tables)} socket tables")


# --- files -------------------------------------------------------------------------------------


def kind_of_file(path: str) -> str:
    """``goroutines``, ``cpu``, ``sockets`` or ``history`` for a FILE, told by its content."""
    from gotriage.cpu.sources import kind_of, load_profile_bytes
    from gotriage.goroutines.load import read_source

    chunks = read_source(path, max_bytes=MAX_BYTES)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 64 << 10:
            break
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
    if not head.strip():
        raise InputError("empty file", source=path)
    if head.startswith(SQLITE_MAGIC):
        return "history"
    kind = kind_of(head[:4096])
    if kind == "trace":
        return "cpu"
    if kind == "profile":
        try:
            profile = load_profile_bytes(Path(path).read_bytes(), path)
        except (GotriageError, OSError):
            return "goroutines"
        return "cpu" if profile.kind == "cpu" else "goroutines"
    text = head.decode("utf-8", "replace")
    if "goroutine " in text and ("[" in text or "goroutine profile:" in text):
        return "goroutines"
    first = next((line.split() for line in text.splitlines() if line.strip()), [])
    if first and first[0] in ("State", "Netid", "Proto", "Active", "Recv-Q"):
        return "sockets"
    if "SCHED " in text or "gc " in text:
        return "cpu"
    raise InputError(
        "not recognised: expected a goroutine dump, a CPU profile, trace or GODEBUG log, an ss "
        "or netstat table, or a watch database",
        source=path,
    )


def _files(
    c: _Collector, by_kind: dict[str, list[str]], lookup: SourceLookup, skip: set[str]
) -> None:
    for kind, paths in by_kind.items():
        if kind in skip:
            c.note(f"{', '.join(paths)}: not read, the {kind} evidence was collected live")
            continue
        _load_files(c, kind, paths, lookup)


def _load_files(c: _Collector, kind: str, paths: list[str], lookup: SourceLookup) -> None:
    if kind == "goroutines":
        from gotriage.cli.goroutines import load
        from gotriage.goroutines.analyse import compare_with

        loaded = [load(p, GoroutineSettings(), lookup, timeout=c.left(), quiet=True) for p in paths]
        current = loaded[-1]
        if len(loaded) > 1:
            base = loaded[0]
            elapsed = (current.captured_at or 0) - (base.captured_at or 0)
            compare_with(current, base, elapsed / 60 if elapsed > 0 else None)
        c.put("goroutines", current, f"{len(paths)} dump file(s)")
    elif kind == "cpu":
        from gotriage.cpu.analyse import analyse as analyse_cpu
        from gotriage.cpu.sources import load as load_cpu
        from gotriage.cpu.verdicts import Thresholds

        items = [load_cpu(p, max_bytes=MAX_BYTES) for p in paths]
        c.put("cpu", analyse_cpu(items, Thresholds()), f"{len(paths)} file(s)")
    elif kind == "sockets":
        from gotriage.cli.sockets import read_file
        from gotriage.sockets.analyse import Settings
        from gotriage.sockets.analyse import analyse as analyse_sockets

        tables = [read_file(p, MAX_BYTES) for p in paths]
        c.put("sockets", analyse_sockets(tables, Settings()), f"{len(paths)} socket table file(s)")
    elif kind == "history":
        from gotriage.watch.history import read_history
        from gotriage.watch.store import Store

        store = Store(paths[0], readonly=True)
        try:
            history = read_history(store)
        finally:
            store.close()
        c.put("history", history, f"watch database {paths[0]}")


# --- the run -----------------------------------------------------------------------------------


def check(inputs: Inputs) -> None:
    """Usage errors, before anything is collected."""
    if inputs.pid is not None and inputs.port is not None:
        raise UsageError("give --pid or --port, not both")
    given = (inputs.url, inputs.pprof, inputs.source, inputs.files, inputs.pid, inputs.port)
    if not any(value not in (None, [], "") for value in given):
        raise UsageError("nothing to examine: give --url, --pprof, --source, --pid/--port or FILE")
    if inputs.budget < 3:
        raise UsageError("--budget must be at least 3 seconds")
    if inputs.source is not None and not Path(inputs.source).is_dir():
        raise UsageError(f"--source {inputs.source}: not a directory")
    for path in inputs.files:
        if path != "-" and not Path(path).is_file():
            raise UsageError(f"{path}: no such file")


def gather(
    inputs: Inputs,
    clock: Callable[[], float] = time.monotonic,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[str], None] | None = None,
) -> Gathered:
    """Gather what ``inputs`` give; ``on_start(n)`` is told how many sides run, ``on_done``
    each side as it ends (from its thread)."""
    check(inputs)
    started = clock()
    gathered = Gathered(started=time.time(), budget=inputs.budget)
    for name in ("url", "pprof", "source", "pid", "port"):
        value = getattr(inputs, name)
        if value is not None:
            gathered.inputs[name] = str(value)
    if inputs.files:
        gathered.inputs["files"] = ", ".join(inputs.files)
    by_kind: dict[str, list[str]] = {}  # told apart first: an unreadable FILE is an error
    for path in inputs.files:
        by_kind.setdefault(kind_of_file(path), []).append(path)
    c = _Collector(gathered, started + inputs.budget - RESERVE, on_done)
    budget = inputs.budget - RESERVE
    interval = max(1.0, min(10.0, budget / 3))
    lookup = SourceLookup((Path(inputs.source),) if inputs.source else ())
    live: set[str] = set()
    if inputs.source:
        c.start("audit", lambda: _audit(c, inputs.source or "."))
    if inputs.url:
        c.start("probe", lambda: _probe(c, inputs.url or "", budget))
    if inputs.pprof:
        pprof = inputs.pprof
        live |= {"goroutines", "cpu"}
        c.start("goroutines", lambda: _goroutines(c, pprof, lookup, interval))
        seconds = float(max(1, min(10, int(budget / 3))))
        c.start("cpu", lambda: _cpu(c, pprof, seconds, inputs.confirm_owned))
    port = inputs.port
    if port is None and inputs.pid is None and inputs.url and _is_local(inputs.url):
        port = urlsplit(inputs.url).port
    if inputs.pid is not None or port is not None:
        live.add("sockets")
        c.start("sockets", lambda: _sockets(c, inputs, port, interval))
    if by_kind:
        c.start("files", lambda: _files(c, by_kind, lookup, live))
    if on_start is not None:
        on_start(len(c.threads))
    c.wait()
    _say_what_is_missing(gathered, inputs)
    gathered.elapsed = round(clock() - started, 2)
    return gathered


def _say_what_is_missing(g: Gathered, inputs: Inputs) -> None:
    plain = {
        "audit": "no source given (--source DIR): the static half of the diagnosis is missing",
        "probe": "no URL given (--url): the server's timeouts and limits were not measured",
        "goroutines": "no pprof URL (--pprof) or goroutine dump given: goroutine leaks and held "
        "connections were not seen",
        "cpu": "no pprof URL (--pprof) or CPU profile given: where the CPU goes was not measured",
        "sockets": "no --pid or --port (or socket table) given: the kernel's view of the "
        "connections is missing",
    }
    for side, text in plain.items():
        if side not in g.collected and side not in g.missing:
            g.missing[side] = text
    if g.goroutines is not None and g.goroutines.growth is None and "growth" not in g.missing:
        g.missing["growth"] = "one goroutine snapshot only: growth between two was not measured"
