"""Throughput and peak memory of ``gotriage goroutines`` on 100,000-goroutine dumps.

The inputs are grown from real dumps: the Go fixture programs ``leaks`` and ``service`` (in
tests/go/cmd) are built with the pinned toolchain, run on 127.0.0.1, driven a little, and their
``goroutine?debug=2``, ``?debug=1`` and ``?debug=0`` profiles are captured. Each capture is then
replicated until it describes 100,000 goroutines:

* debug=2: the goroutine blocks are repeated with renumbered goroutine ids; ``in goroutine N``
  creator ids are shifted by the same amount, so a goroutine whose creator has exited still has
  no creator in the dump, and one whose creator is alive points at that copy of the creator;
* debug=1: the records are repeated with their program counters shifted per copy (so every
  record stays distinct) and the header total kept equal to the sum of the counts;
* protobuf: the profile is decoded with gotriage's own schema, its samples are replicated onto
  fresh location ids (so stacks stay distinct), and it is re-encoded and gzipped.

Two more debug=2 inputs are grown the same way with every pointer argument varied per copy
(real goroutines of one site differ in their connections, requests and buffers, so their
function lines do not repeat): ``debug=2 varied`` from the captures, ``debug=2 gRPC`` with one
goroutine in two a 36-frame gRPC-like server stack.

Each input is analysed ``--runs`` times by the whole command, in a child process pinned to one
core: ``python -m gotriage goroutines FILE --format json -q``. Wall time, CPU time (user + system,
which a loaded machine inflates less) and the child's peak resident set (``ru_maxrss`` from
``os.wait4``) are measured; the table shows medians.

The debug=2 inputs are then given to panicparse (``pp -aggressive FILE``, or ``panicparse`` as
Debian names it; ``apt-get install panicparse`` or ``go install
github.com/maruel/panicparse/v2/cmd/pp@latest``), pinned the same way, and the ratios printed.
Without it the script says how to install it and prints gotriage's figures alone.

    python bench/goroutines_throughput.py [--runs 5] [--pp-runs 1] [--goroutines 100000] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from gotriage.goroutines.profile_schema import profile_class
from gotriage.gotool import build_commands, run_program

ROOT = Path(__file__).resolve().parents[1]
GO_MODULE = ROOT / "tests" / "go"
FORMATS = (
    ("debug=2", "goroutine?debug=2", "debug2.txt"),
    ("debug=1", "goroutine?debug=1", "debug1.txt"),
    ("protobuf", "goroutine?debug=0", "debug0.pb.gz"),
)
TARGET_SECONDS = 10.0
TARGET_RSS_MB = 300.0
CHILD_TIMEOUT = 900.0
PC_SHIFT = 0x100000  # added to every program counter, once per debug=1 copy

GOROUTINE_HEADER = re.compile(r"^goroutine (\d+)(.*)$")
CREATED_BY = re.compile(r"^(created by .* in goroutine )(\d+)$")
DEBUG1_TOTAL = re.compile(r"^goroutine profile: total \d+$")
DEBUG1_RECORD = re.compile(r"^(\d+) @((?: 0x[0-9a-f]+)+)$")
DEBUG1_FRAME = re.compile(r"^#\t+0x[0-9a-f]+\t")
HEX = re.compile(r"0x([0-9a-f]+)")


# --- capturing real dumps ----------------------------------------------------------------------


def fetch(client: httpx.Client, url: str) -> bytes:
    response = client.get(url)
    response.raise_for_status()
    return response.content


def capture(binaries: Path) -> dict[str, list[bytes]]:
    """Real dumps of ``leaks`` and ``service`` in each format: {format: [leaks, service]}."""
    dumps: dict[str, list[bytes]] = {name: [] for name, _, _ in FORMATS}
    with httpx.Client(timeout=30) as client:
        with run_program(binaries / "leaks", ["-lifetime=90s"]) as prog:
            app = httpx.URL(prog.url("app"))
            host, port = app.host, app.port or 80
            with (
                socket.create_connection((host, port), timeout=5) as slow,
                socket.create_connection((host, port), timeout=5) as idle,
            ):
                slow.sendall(b"GET / HTTP/1.1\r\nHost: fixture\r\nX-Slow: ")
                idle.sendall(b"GET / HTTP/1.1\r\nHost: fixture\r\n\r\n")
                idle.recv(4096)
                for name, query, _ in FORMATS:
                    dumps[name].append(fetch(client, prog.url("pprof") + query))
        with run_program(binaries / "service", ["-lifetime=90s"]) as prog:
            app_url = prog.url("app")
            for _ in range(30):
                client.get(app_url + "report")
            for _ in range(5):
                client.get(app_url + "health")
            time.sleep(0.2)  # the last lookups finish their work and block
            for name, query, _ in FORMATS:
                dumps[name].append(fetch(client, prog.url("pprof") + query))
    return dumps


# --- growing them to N goroutines -------------------------------------------------------------


def _blocks(text: str) -> list[list[str]]:
    """The goroutine blocks of a debug=2 dump, each a list of lines."""
    blocks: list[list[str]] = []
    for chunk in text.strip("\n").split("\n\n"):
        lines = chunk.split("\n")
        if lines and GOROUTINE_HEADER.match(lines[0]):
            blocks.append(lines)
    return blocks


def grow_debug2(captures: list[bytes], target: int) -> tuple[bytes, int]:
    """Repeat the captured goroutine blocks with renumbered ids until ``target`` goroutines."""
    units = [_blocks(data.decode()) for data in captures]
    biggest = 0
    for unit in units:
        for lines in unit:
            for line in lines:
                for pattern in (GOROUTINE_HEADER, CREATED_BY):
                    found = pattern.match(line)
                    if found:
                        number = found.group(1) if pattern is GOROUTINE_HEADER else found.group(2)
                        biggest = max(biggest, int(number))
    # Every (capture, copy) pair gets its own id range; an id that is not in a capture (an
    # exited creator) maps to an id that is in no copy, so orphans stay orphans.
    stride = 10 ** len(str(biggest))
    out: list[str] = []
    count = 0
    slot = 0
    while count < target:
        for unit in units:
            offset = slot * stride
            slot += 1
            for lines in unit:
                if count == target:
                    break
                renumbered = []
                for line in lines:
                    head = GOROUTINE_HEADER.match(line)
                    creator = CREATED_BY.match(line)
                    if head:
                        line = f"goroutine {int(head.group(1)) + offset}{head.group(2)}"
                    elif creator:
                        line = f"{creator.group(1)}{int(creator.group(2)) + offset}"
                    renumbered.append(line)
                out.append("\n".join(renumbered))
                count += 1
    return ("\n\n".join(out) + "\n").encode(), count


# A deep gRPC-like server stack (no standard-library program has one): a handler reached
# through the transport, the server's stream handling and a chain of interceptors, blocked on a
# database connection's read. Pointer arguments are varied per copy like everything else.
GRPC_LIKE = """goroutine 1000 [IO wait, 3 minutes]:
internal/poll.runtime_pollWait(0x7f3a5c1e2d38, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85
internal/poll.(*pollDesc).wait(0xc000a3e120?, 0xc0010f6000?, 0x0)
	/usr/local/go/src/internal/poll/fd_poll_runtime.go:84 +0x27
internal/poll.(*pollDesc).waitRead(...)
	/usr/local/go/src/internal/poll/fd_poll_runtime.go:89
internal/poll.(*FD).Read(0xc000a3e120, {0xc0010f6000, 0x1000, 0x1000})
	/usr/local/go/src/internal/poll/fd_unix.go:165 +0x27a
net.(*netFD).Read(0xc000a3e120, {0xc0010f6000?, 0xc000b1d6a8?, 0x4d2f85?})
	/usr/local/go/src/net/fd_posix.go:55 +0x25
net.(*conn).Read(0xc0004b2038, {0xc0010f6000?, 0x0?, 0xc000b1d708?})
	/usr/local/go/src/net/net.go:194 +0x45
bufio.(*Reader).Read(0xc000e12a80, {0xc000c2a1b0, 0x5, 0x200?})
	/usr/local/go/src/bufio/bufio.go:241 +0x197
io.ReadAtLeast({0x1a2c3e0, 0xc000e12a80}, {0xc000c2a1b0, 0x5, 0x200}, 0x5)
	/usr/local/go/src/io/io.go:335 +0x90
io.ReadFull(...)
	/usr/local/go/src/io/io.go:354
github.com/jackc/pgx/v5/pgproto3.(*chunkReader).Next(0xc000c2a180, 0x5)
	/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/pgproto3/chunkreader.go:80 +0x2b8
github.com/jackc/pgx/v5/pgproto3.(*Frontend).Receive(0xc000e3a000)
	/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/pgproto3/frontend.go:306 +0x78
github.com/jackc/pgx/v5/pgconn.(*PgConn).receiveMessage(0xc000d14480)
	/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/pgconn/pgconn.go:513 +0x65
github.com/jackc/pgx/v5/pgconn.(*ResultReader).receiveMessage(0xc000d14590)
	/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/pgconn/pgconn.go:1575 +0x5a
github.com/jackc/pgx/v5/pgconn.(*ResultReader).NextRow(0xc000d14590)
	/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/pgconn/pgconn.go:1483 +0x32
github.com/jackc/pgx/v5.(*baseRows).Next(0xc000f0e1e0)
	/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.5/rows.go:180 +0x2d
example.com/shop/internal/store.(*Orders).List(0xc0002a4f60, {0x1a3b0e8, 0xc000f1a0f0}, 0xc000e7c1b0)
	/src/shop/internal/store/orders.go:88 +0x3b6
example.com/shop/internal/api.(*OrderService).ListOrders(0xc0002b8a20, {0x1a3b0e8, 0xc000f1a0f0}, 0xc000e7c1b0)
	/src/shop/internal/api/orders.go:41 +0x8c
example.com/shop/gen/orderpb._OrderService_ListOrders_Handler.func1({0x1a3b0e8?, 0xc000f1a0f0?}, {0x16e9f40?, 0xc000e7c1b0?})
	/src/shop/gen/orderpb/order_grpc.pb.go:301 +0xcb
example.com/shop/internal/mw.Recover.func1({0x1a3b0e8?, 0xc000f1a0f0?}, {0x16e9f40?, 0xc000e7c1b0?}, 0xc000f1e018?, 0xc000e12b40?)
	/src/shop/internal/mw/recover.go:27 +0x9f
google.golang.org/grpc.getChainUnaryHandler.func1({0x1a3b0e8, 0xc000f1a0f0}, {0x16e9f40, 0xc000e7c1b0})
	/go/pkg/mod/google.golang.org/grpc@v1.62.1/server.go:1185 +0xb2
example.com/shop/internal/mw.Metrics.func1({0x1a3b0e8, 0xc000f1a0f0}, {0x16e9f40, 0xc000e7c1b0}, 0xc000f1e018, 0xc000f0c2c0)
	/src/shop/internal/mw/metrics.go:52 +0x12a
google.golang.org/grpc.getChainUnaryHandler.func1({0x1a3b0e8, 0xc000f1a0f0}, {0x16e9f40, 0xc000e7c1b0})
	/go/pkg/mod/google.golang.org/grpc@v1.62.1/server.go:1185 +0xb2
example.com/shop/internal/mw.Tracing.func1({0x1a3b0e8, 0xc000f1a0a0}, {0x16e9f40, 0xc000e7c1b0}, 0xc000f1e018, 0xc000f0c280)
	/src/shop/internal/mw/tracing.go:64 +0x2f4
google.golang.org/grpc.chainUnaryInterceptors.func1({0x1a3b0e8, 0xc000f1a0a0}, {0x16e9f40, 0xc000e7c1b0}, 0xc000f1e018, 0x80?)
	/go/pkg/mod/google.golang.org/grpc@v1.62.1/server.go:1176 +0x8f
example.com/shop/gen/orderpb._OrderService_ListOrders_Handler({0x1706e20?, 0xc0002b8a20}, {0x1a3b0e8, 0xc000f1a0a0}, 0xc000e12c00, 0xc0002e1a40)
	/src/shop/gen/orderpb/order_grpc.pb.go:303 +0x143
google.golang.org/grpc.(*Server).processUnaryRPC(0xc0001f8c00, {0x1a3b0e8, 0xc000f1a000}, {0x1a44d40, 0xc000332340}, 0xc000ee05a0, 0xc0002e3f20, 0x22f0f80, 0x0)
	/go/pkg/mod/google.golang.org/grpc@v1.62.1/server.go:1383 +0xdd1
google.golang.org/grpc.(*Server).handleStream(0xc0001f8c00, {0x1a44d40, 0xc000332340}, 0xc000ee05a0)
	/go/pkg/mod/google.golang.org/grpc@v1.62.1/server.go:1794 +0xe3a
google.golang.org/grpc.(*Server).serveStreams.func2.1()
	/go/pkg/mod/google.golang.org/grpc@v1.62.1/server.go:1027 +0x8b
created by google.golang.org/grpc.(*Server).serveStreams.func2 in goroutine 812
	/go/pkg/mod/google.golang.org/grpc@v1.62.1/server.go:1038 +0x125"""  # noqa: E501

# A pointer-like argument: 0x followed by 6 or more hex digits (small integers stay).
POINTER_ARG = re.compile(r"0x([0-9a-f]{6,})")


def vary_pointers(lines: list[str], copy: int) -> list[str]:
    """The block with every pointer-like argument of its function lines moved per copy.

    Real goroutines of one site differ in their arguments (each has its own connection, request
    and buffers), so a dump's function lines rarely repeat; file lines and offsets stay.
    """
    shift = copy * 0x2A40

    def bump(found: re.Match[str]) -> str:
        return f"0x{(int(found.group(1), 16) + shift) & 0xFFFFFFFFFFFF:x}"

    out = []
    for line in lines:
        if line.endswith(")") and not line.startswith(("goroutine ", "created by ")):
            paren = line.find("(")
            line = line[:paren] + POINTER_ARG.sub(bump, line[paren:])
        out.append(line)
    return out


def grow_debug2_varied(captures: list[bytes], target: int, *, deep: bool) -> tuple[bytes, int]:
    """Like :func:`grow_debug2`, with pointer arguments varied per copy.

    ``deep``: one goroutine in two is the gRPC-like stack above (36 frames), the others come
    from the captures.
    """
    captured, _ = grow_debug2(captures, target)
    blocks = [block.split("\n") for block in captured.decode().strip("\n").split("\n\n")]
    grpc = GRPC_LIKE.split("\n")
    out: list[str] = []
    for index, lines in enumerate(blocks):
        if deep and index % 2:
            ident = GOROUTINE_HEADER.match(lines[0])
            assert ident is not None
            lines = [f"goroutine {ident.group(1)} {grpc[0].split(' ', 2)[2]}", *grpc[1:]]
        out.append("\n".join(vary_pointers(lines, index)))
    return ("\n\n".join(out) + "\n").encode(), len(out)


def distinct_stacks(count: int) -> bytes:
    """A debug=2 dump of ``count`` goroutines whose stacks all differ (worst case for grouping):
    each has its own function, file and line, and its own arguments."""
    blocks = []
    for n in range(count):
        blocks.append(
            f"goroutine {n + 1} [chan receive, {n % 50} minutes]:\n"
            f"main.worker{n}(0xc000{n:06x}, 0x{n:x})\n"
            f"\t/src/app/pkg{n % 97}/worker{n}.go:{n % 900 + 10} +0x{n % 4096:x}\n"
            f"main.loop{n % 1000}()\n\t/src/app/loop.go:{n % 1000 + 1} +0x25\n"
            f"created by main.start{n % 333} in goroutine 1\n"
            f"\t/src/app/main.go:{n % 333 + 5} +0x3d\n"
        )
    return "\n".join(blocks).encode()


def _debug1_records(text: str) -> list[tuple[int, list[str]]]:
    """(count, lines after the count) of each record of a debug=1 profile."""
    records: list[tuple[int, list[str]]] = []
    for chunk in text.strip("\n").split("\n\n"):
        lines = chunk.split("\n")
        if lines and DEBUG1_TOTAL.match(lines[0]):
            lines = lines[1:]
        if lines and DEBUG1_RECORD.match(lines[0]):
            records.append((int(lines[0].split(" ", 1)[0]), lines))
    return records


def _shift_pcs(lines: list[str], shift: int) -> list[str]:
    """The record with every program counter moved by ``shift`` (function offsets kept)."""

    def bump(found: re.Match[str]) -> str:
        return f"0x{int(found.group(1), 16) + shift:x}"

    out = []
    for line in lines:
        if DEBUG1_RECORD.match(line):
            line = HEX.sub(bump, line)
        elif DEBUG1_FRAME.match(line):
            line = HEX.sub(bump, line, count=1)
        out.append(line)
    return out


def grow_debug1(captures: list[bytes], target: int) -> tuple[bytes, int, int]:
    """Repeat records with shifted PCs and varied counts: (bytes, goroutines, records)."""
    units = [_debug1_records(data.decode()) for data in captures]
    records: list[str] = []
    total = 0
    copy = 0
    while total < target:
        for unit in units:
            shift = copy * PC_SHIFT
            copy += 1
            for index, (count, lines) in enumerate(unit):
                if total == target:
                    break
                # Vary the counts between copies without changing which sites are crowded.
                varied = count + (copy + index) % 3 if count > 1 else count
                varied = min(varied, target - total)
                shifted = _shift_pcs(lines, shift)
                first = shifted[0].split(" @", 1)[1]
                records.append("\n".join([f"{varied} @{first}", *shifted[1:]]))
                total += varied
    text = f"goroutine profile: total {total}\n" + "\n\n".join(records) + "\n\n"
    return text.encode(), total, len(records)


def grow_proto(captures: list[bytes], target: int) -> tuple[bytes, int, int]:
    """Replicate samples onto fresh location ids: (gzipped bytes, goroutines, samples)."""
    profile_type = profile_class()
    profiles = [profile_type.FromString(gzip.decompress(data)) for data in captures]
    merged = profile_type()
    merged.CopyFrom(profiles[0])
    del merged.sample[:]
    del merged.location[:]
    del merged.function[:]
    del merged.mapping[:]
    # One string table and function table for all captures; strings and functions are
    # re-indexed into them.
    strings: dict[str, int] = {s: i for i, s in enumerate(merged.string_table)}

    def intern(text: str) -> int:
        if text not in strings:
            strings[text] = len(strings)
            merged.string_table.append(text)
        return strings[text]

    function_ids: list[dict[int, int]] = []
    for profile in profiles:
        table = list(profile.string_table)
        mapping: dict[int, int] = {}
        for function in profile.function:
            new = merged.function.add()
            new.id = len(merged.function)
            new.name = intern(table[function.name])
            new.system_name = intern(table[function.system_name])
            new.filename = intern(table[function.filename])
            new.start_line = function.start_line
            mapping[function.id] = new.id
        function_ids.append(mapping)
    if profiles[0].mapping:
        merged.mapping.add().CopyFrom(profiles[0].mapping[0])
    mapping_id = merged.mapping[0].id if merged.mapping else 0
    total = 0
    copy = 0
    next_location = 1
    while total < target:
        for profile, functions in zip(profiles, function_ids, strict=True):
            shift = copy * PC_SHIFT
            copy += 1
            relocated: dict[int, int] = {}
            for location in profile.location:
                new = merged.location.add()
                new.id = next_location
                next_location += 1
                new.mapping_id = mapping_id
                new.address = location.address + shift
                for line in location.line:
                    new.line.add(function_id=functions[line.function_id], line=line.line)
                relocated[location.id] = new.id
            for sample in profile.sample:
                if total == target:
                    break
                count = min(sample.value[0] if sample.value else 1, target - total)
                new_sample = merged.sample.add()
                new_sample.location_id.extend(relocated[i] for i in sample.location_id)
                new_sample.value.append(count)
                for label in sample.label:
                    table = profile.string_table
                    new_sample.label.add(key=intern(table[label.key]), str=intern(table[label.str]))
                total += count
    return gzip.compress(merged.SerializeToString(), compresslevel=6), total, len(merged.sample)


# --- measuring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_kib: int
    exit_code: int
    cpu_seconds: float = 0.0


def _pinned() -> bool:
    return hasattr(os, "sched_setaffinity")


def command(path: Path) -> list[str]:
    return [sys.executable, "-m", "gotriage", "goroutines", str(path), "--format", "json", "-q"]


PP_INSTALL = (
    "panicparse not found: install it with `apt-get install panicparse` (Debian, Ubuntu) or "
    "`go install github.com/maruel/panicparse/v2/cmd/pp@latest`"
)


def panicparse() -> str | None:
    """The panicparse command: ``pp`` upstream, ``panicparse`` in Debian's package."""
    return shutil.which("pp") or shutil.which("panicparse")


def pp_command(pp: str, path: Path) -> list[str]:
    return [pp, "-aggressive", "-no-color", str(path)]


# Runs one command and reports its wall time, CPU time, peak RSS and exit code as JSON. A fresh,
# small process starts the command: a child forked from this script would count this script's
# own (large) memory in its ru_maxrss, which survives exec.
LAUNCHER = """
import json, os, subprocess, sys, time
if hasattr(os, "sched_setaffinity") and sys.argv[1] != "-":
    os.sched_setaffinity(0, {int(sys.argv[1])})
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL if sys.argv[2] != sys.executable else None)
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
print(json.dumps([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status),
                  usage.ru_utime + usage.ru_stime]))
"""


def measure(path: Path, argv: list[str] | None = None) -> Run:
    """One run of ``argv`` (the gotriage command on ``path`` by default), pinned to one core:
    wall time, CPU time, the child's peak RSS and exit code."""
    core = "-"
    if hasattr(os, "sched_getaffinity"):
        core = str(min(os.sched_getaffinity(0)))
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, core, *(argv or command(path))],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=True,
    )
    seconds, max_rss_kib, exit_code, cpu_seconds = json.loads(done.stdout)
    return Run(seconds, max_rss_kib, exit_code, cpu_seconds)


def sanity(path: Path) -> tuple[int, list[str]]:
    """Exit code and suspect sites (file:line xcount) of one run whose JSON is read."""
    result = subprocess.run(command(path), capture_output=True, timeout=CHILD_TIMEOUT, check=False)
    if not result.stdout:
        return result.returncode, [result.stderr.decode(errors="replace").strip()]
    suspects = json.loads(result.stdout)["suspects"]
    by_site: dict[str, list[int]] = {}
    for suspect in suspects:
        location = suspect["location"]
        if location is None:  # connections whose server the format cannot tell
            site = f"({suspect['pattern']})"
        else:
            file = Path(location["file"])
            site = f"{file.parent.name}/{file.name}:{location['line']}"
        by_site.setdefault(site, []).append(suspect["count"])
    sites = [
        f"{site} x{sum(counts)}" + (f" (in {len(counts)} suspects)" if len(counts) > 1 else "")
        for site, counts in by_site.items()
    ]
    return result.returncode, sites


@contextlib.contextmanager
def work_dir(out: str | None) -> Iterator[Path]:
    if out:
        path = Path(out).resolve()
        path.mkdir(parents=True, exist_ok=True)
        yield path
    else:
        with tempfile.TemporaryDirectory(prefix="gotriage-bench-") as tmp:
            yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per format (default 5)")
    parser.add_argument(
        "--pp-runs", type=int, default=1, help="panicparse runs per debug=2 input (default 1)"
    )
    parser.add_argument(
        "--goroutines", type=int, default=100_000, help="goroutines per input (default 100000)"
    )
    parser.add_argument(
        "--distinct",
        type=int,
        default=200_000,
        help="goroutines of the distinct-stacks input for the text and JSON reports"
        " (default 200000, 0 skips)",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="keep the inputs here (e.g. bench/out); default a temp dir"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.goroutines < 1:
        parser.error("--runs and --goroutines must be 1 or more")

    with work_dir(args.out) as work:
        print("building the Go fixture programs ...", flush=True)
        binaries = build_commands(GO_MODULE, work / "bin")
        print("capturing dumps from leaks and service on 127.0.0.1 ...", flush=True)
        dumps = capture(binaries)
        inputs: list[tuple[str, Path, int, str]] = []
        for name, _, filename in FORMATS:
            captured = dumps[name]
            if name == "debug=2":
                data, count = grow_debug2(captured, args.goroutines)
                shape = f"{count} blocks"
            elif name == "debug=1":
                data, count, records = grow_debug1(captured, args.goroutines)
                shape = f"{records} records"
            else:
                data, count, samples = grow_proto(captured, args.goroutines)
                shape = f"{samples} samples"
            path = work / f"grown-{filename}"
            path.write_bytes(data)
            inputs.append((name, path, count, shape))
            sizes = "+".join(str(len(d)) for d in captured)
            print(f"  {name}: captured {sizes} bytes -> {path.name}, {count} goroutines, {shape}")
        for name, deep in (("debug=2 varied", False), ("debug=2 gRPC", True)):
            data, count = grow_debug2_varied(dumps["debug=2"], args.goroutines, deep=deep)
            path = work / f"grown-{'grpc' if deep else 'varied'}-debug2.txt"
            path.write_bytes(data)
            del data
            inputs.append((name, path, count, f"{count} blocks"))
            print(f"  {name}: pointers varied per copy -> {path.name}, {count} goroutines")

        pinned = "pinned to one core" if _pinned() else "not pinned (no sched_setaffinity)"
        print(f"\n{args.runs} runs per format, {pinned}: {' '.join(command(Path('FILE')))}\n")
        header = (
            f"{'format':<15} {'input MB':>9} {'goroutines':>10} {'median s':>9} "
            f"{'min s':>7} {'max s':>7} {'CPU s':>7} {'MB/s':>7} {'peak RSS MB':>12}"
        )
        print(header)
        print("-" * len(header))
        medians: dict[str, tuple[float, float]] = {}
        cpu: dict[str, float] = {}
        checks: list[str] = []
        for name, path, count, _ in inputs:
            runs = [measure(path) for _ in range(args.runs)]
            times = [r.seconds for r in runs]
            wall = statistics.median(times)
            rss_mb = statistics.median(r.max_rss_kib for r in runs) / 1024
            cpu[name] = statistics.median(r.cpu_seconds for r in runs)
            size_mb = path.stat().st_size / 1e6
            medians[name] = (wall, rss_mb)
            print(
                f"{name:<15} {size_mb:>9.1f} {count:>10} {wall:>9.2f} {min(times):>7.2f} "
                f"{max(times):>7.2f} {cpu[name]:>7.2f} {size_mb / wall:>7.1f} {rss_mb:>12.1f}",
                flush=True,
            )
            codes = sorted({r.exit_code for r in runs})
            exit_code, sites = sanity(path)
            checks.append(
                f"  {name}: exit codes {codes}, sanity run exit {exit_code}, "
                f"{len(sites)} suspect site(s): {', '.join(sites)}"
            )
        print("\nsanity (exit 1 = suspects found):")
        print("\n".join(checks))
        if args.distinct:
            distinct_reports(work, args.distinct)
        compare_with_panicparse(inputs, medians, cpu, args.pp_runs)
        wall, rss_mb = medians["debug=2"]
        met = wall < TARGET_SECONDS and rss_mb < TARGET_RSS_MB
        print(
            f"\ntarget: {args.goroutines}-goroutine debug=2 dump in under {TARGET_SECONDS:.0f} s "
            f"with peak memory under {TARGET_RSS_MB:.0f} MB on one core"
        )
        print(
            f"  measured: {wall:.2f} s ({'met' if wall < TARGET_SECONDS else 'NOT met'}), "
            f"{rss_mb:.1f} MB ({'met' if rss_mb < TARGET_RSS_MB else 'NOT met'})"
            f" -> {'MET' if met else 'NOT MET'}"
        )
    return 0


DISTINCT_TARGET_MB = 500.0


def distinct_reports(work: Path, count: int) -> None:
    """Peak memory of the text and the JSON report on ``count`` distinct stacks."""
    path = work / "distinct-debug2.txt"
    path.write_bytes(distinct_stacks(count))
    print(f"\n{count} goroutines with distinct stacks ({path.stat().st_size / 1e6:.1f} MB):")
    base = command(path)
    for name, argv in (("text", [*base[:-3], "-q"]), ("json", base)):
        run = measure(path, argv)
        verdict = "met" if run.max_rss_kib / 1024 < DISTINCT_TARGET_MB else "NOT met"
        print(
            f"  {name:<5} {run.seconds:6.2f} s, CPU {run.cpu_seconds:6.2f} s, peak RSS "
            f"{run.max_rss_kib / 1024:6.1f} MB (target {DISTINCT_TARGET_MB:.0f} MB: {verdict}), "
            f"exit {run.exit_code}",
            flush=True,
        )


def compare_with_panicparse(
    inputs: list[tuple[str, Path, int, str]],
    medians: dict[str, tuple[float, float]],
    cpu: dict[str, float],
    runs: int,
) -> None:
    """panicparse on the same debug=2 dumps, and how many times faster gotriage is."""
    pp = panicparse()
    if pp is None:
        print(f"\n{PP_INSTALL}; gotriage's figures above stand alone")
        return
    argv = pp_command(pp, Path("FILE"))
    print(f"\nside by side with panicparse, {runs} run(s) each, pinned: {' '.join(argv)}\n")
    header = (
        f"{'input':<15} {'pp s':>8} {'pp CPU s':>9} {'pp RSS MB':>10} "
        f"{'gotriage s':>11} {'x faster':>9} {'x less CPU':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, path, _, _ in inputs:
        if not name.startswith("debug=2"):
            continue
        results = [measure(path, pp_command(pp, path)) for _ in range(runs)]
        wall = statistics.median(r.seconds for r in results)
        pp_cpu = statistics.median(r.cpu_seconds for r in results)
        rss_mb = statistics.median(r.max_rss_kib for r in results) / 1024
        ours = medians[name][0]
        print(
            f"{name:<15} {wall:>8.2f} {pp_cpu:>9.2f} {rss_mb:>10.1f} {ours:>11.2f} "
            f"{wall / ours:>9.1f} {pp_cpu / cpu[name]:>11.1f}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
