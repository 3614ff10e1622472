"""Hand-typed dumps for what Go 1.27 cannot print, from one shared table.

Each case (a file in ``cases/``) runs whole, in 7-byte chunks, fed to its parser one line at a
time, and (tracebacks) with unrelated log lines before, between and after the goroutines; every
way must give the same goroutines. Property tests check that no input whatever raises anything
but InputError.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parse_live import run_crash  # the crash runs of the formats program

from gotriage.errors import InputError
from gotriage.goroutines.load import iter_goroutines
from gotriage.goroutines.parse_debug1 import Debug1Parser
from gotriage.goroutines.parse_text import TracebackParser
from gotriage.model import DumpFormat, Frame, Goroutine, ParseReport

CASES = Path(__file__).parent / "cases"
F = Frame


@dataclass
class Case:
    file: str
    goroutines: list[dict] = field(default_factory=list)  # expected fields, per goroutine
    format: DumpFormat = DumpFormat.TRACEBACK
    issues: list[int] = field(default_factory=list)  # line numbers
    context: list[str] = field(default_factory=list)
    error: str = ""  # InputError text expected instead of goroutines
    junk: bool = True  # also run with log lines around the goroutines

    def __str__(self) -> str:
        return self.file


TABLE = [
    Case(
        "go116_panic.txt",
        context=["panic: runtime error: index out of range [5] with length 3"],
        goroutines=[
            dict(
                id=1,
                state="running",
                frames=(
                    F("main.lookup", "/home/user/app/main.go", 12, "...", "", True),
                    F("main.main", "/home/user/app/main.go", 20, "", "0x1d"),
                ),
                created_by=None,
                creator_id=None,
            ),
            dict(
                id=18,
                state="chan receive",
                wait_minutes=5,
                frames=(
                    F("main.worker", "/home/user/app/worker.go", 31, "0xc000020060, 0x3", "0x6b"),
                ),
                created_by=F("main.main", "/home/user/app/main.go", 17, "", "0x8d"),
                creator_id=None,
            ),
            dict(id=19, state="running", frames=(), stack_unavailable=True, creator_id=None),
            dict(id=20, state="semacquire", wait_minutes=1440, frames_elided=False),
        ],
    ),
    Case(
        "go120_multiline_panic.txt",
        context=["panic: formats: boom", "second line"],
        goroutines=[
            dict(
                id=1,
                state="running",
                frames=(
                    F("main.fail", "/src/app/main.go", 153, "...", "", True),
                    F("main.main", "/src/app/main.go", 166, "", "0x1a5"),
                ),
            )
        ],
    ),
    Case(
        "go120_sigquit_system.txt",
        context=["SIGQUIT: quit", "PC=0x465f41 m=0 sigcode=0"],
        goroutines=[
            dict(id=0, state="idle", created_by=None),
            dict(
                id=1,
                state="select",
                wait_minutes=2,
                locked_to_thread=True,
                frames=(
                    F(
                        "runtime.gopark",
                        "/usr/local/go/src/runtime/proc.go",
                        363,
                        "0xc000057f58?, 0x2?, 0x0?, 0x0?, 0xc000057f1c?",
                        "0xd6",
                    ),
                    F(
                        "runtime.selectgo",
                        "/usr/local/go/src/runtime/select.go",
                        328,
                        "0xc000057f58, 0xc000057f18, 0x0?, 0x0, 0x0?, 0x1",
                        "0x7bc",
                    ),
                    F("main.main", "/home/user/app/main.go", 30, "", "0x105"),
                    F("runtime.main", "/usr/local/go/src/runtime/proc.go", 250, "", "0x212"),
                    F("runtime.goexit", "/usr/local/go/src/runtime/asm_amd64.s", 1594, "", "0x1"),
                ),
            ),
            dict(
                id=7,
                state="chan send",
                frames=(
                    F(
                        "main.produce[...]",
                        "/home/user/app/gen.go",
                        9,
                        "0xc000100000, {0x4b1e20?, 0xc000012345?}",
                        "0x45",
                    ),
                ),
                created_by=F("main.main", "/home/user/app/main.go", 24, "", "0xe5"),
            ),
            dict(id=9, state="running", frames_elided=True, creator_id=None),
        ],
    ),
    Case(
        "go127_decorations.txt",
        goroutines=[
            dict(
                id=7,
                state="chan send",
                leaked=True,
                wait_minutes=12,
                locked_to_thread=True,
                creator_id=1,
                labels=(),
            ),
            dict(
                id=8,
                state="select (no cases)",
                leaked=True,
                creator_id=7,
                labels=(("worker", "w1"), ("tenant id", 'a "b" é')),
            ),
            dict(
                id=9,
                state="chan receive (durable)",
                leaked=False,
                frames=(
                    F(
                        "main.(*Pool[...]).get",
                        "/src/app/pool.go",
                        55,
                        "0xc00001c000, {0x0?, 0x0?}",
                        "0x8c",
                    ),
                    F("main.(*Pool[...]).Get.gowrap1", "/src/app/pool.go", 40, "", "0x25"),
                ),
                created_by=F("main.(*Pool[...]).Get", "/src/app/pool.go", 40, "", "0x7a"),
                creator_id=8,
            ),
            dict(id=10, state="GC worker (idle)", wait_minutes=3, creator_id=1),
        ],
    ),
    Case(
        "cgo.txt",
        goroutines=[
            dict(
                id=1,
                state="syscall",
                locked_to_thread=True,
                frames=(
                    F("non-Go function", offset="pc=0x7f3b2c1a2b3c"),
                    F("non-Go function", offset="pc=0x7f3b2c1a2d00"),
                    F(
                        "runtime.cgocall",
                        "/usr/local/go/src/runtime/cgocall.go",
                        157,
                        "0x4a1b20, 0xc000057ee8",
                        "0x5c",
                    ),
                    F("main._Cfunc_block", "_cgo_gotypes.go", 39, "", "0x45"),
                    F("main.main", "/src/app/main.go", 12, "", "0x17"),
                ),
            ),
            dict(
                id=5,
                frames=(
                    F("C.worker_loop", "/src/app/worker.c", 40),
                    F("non-Go function", offset="pc=0x7f3b2c1a2b3c"),
                    F("main._Cfunc_worker_loop", "_cgo_gotypes.go", 61, "", "0x45"),
                ),
                creator_id=1,
            ),
        ],
    ),
    Case(
        "ancestors_interleaved.txt",
        issues=[18],
        goroutines=[
            dict(
                id=6,
                frames=(F("main.child", "/src/app/main.go", 15, "", "0x25"),),
                created_by=F("main.parent", "/src/app/main.go", 22, "", "0x1d"),
                creator_id=5,
            ),
            dict(
                id=7,
                state="IO wait",
                frames=(
                    F(
                        "internal/poll.runtime_pollWait",
                        "C:/Program Files/Go/src/runtime/netpoll.go",
                        343,
                        "0x7f, 0x72",
                        "0x85",
                    ),
                    F(
                        "internal/poll.(*pollDesc).wait",
                        "C:/Program Files/Go/src/internal/poll/fd_poll_runtime.go",
                        84,
                        "0xc000128000?, 0x0?, 0x0",
                        "0x27",
                    ),
                ),
                created_by=F(
                    "net/http.(*Server).Serve", "C:/Users/dev/app/server.go", 3285, "", "0x4b4"
                ),
            ),
        ],
    ),
    Case(
        "truncated_header.txt",
        issues=[5],
        junk=False,
        goroutines=[dict(id=1), dict(id=2, state="chan receive", frames=())],
    ),
    Case(
        "truncated_midline.txt",
        issues=[6],
        junk=False,
        goroutines=[dict(id=1), dict(id=2, state="chan receive", frames=())],
    ),
    Case(
        "truncated_fileline.txt",
        issues=[7],
        junk=False,
        goroutines=[dict(id=1), dict(id=2, state="chan receive", frames=())],
    ),
    Case("truncated_in_header.txt", issues=[5], junk=False, goroutines=[dict(id=1)]),
    Case(
        "debug1_go113.txt",
        format=DumpFormat.DEBUG1,
        goroutines=[
            dict(
                id=None,
                state="",
                count=2,
                frames=(F("main.worker", "/home/user/app/worker.go", 31, "", "0x4e"),),
            ),
            dict(count=1, frames=(F("?", offset="pc=0x7f3b2c1a2b3c"),)),
            dict(count=1, frames=(F("main.main", "/home/user/app/main.go", 40, "", "0x9c"),)),
        ],
    ),
    Case(
        "debug1_leak_damaged.txt",
        format=DumpFormat.LEAK_PROFILE,
        issues=[5, 7],
        goroutines=[
            dict(
                count=3,
                leaked=True,
                labels=(("handler", "/api/x"), ("id", "7\té")),
                frames=(F("main.send", "/src/main.go", 48, "", "0x24"),),
            ),
            dict(count=2, leaked=True, frames=()),
        ],
    ),
    Case("not_a_dump.txt", error="no goroutine found in 2 lines"),
    Case(
        # A GitHub issue: a fenced paste whose file lines lost their tab (8, 4, 3 spaces, none).
        "pasted_markdown.txt",
        context=["fatal error: all goroutines are asleep - deadlock!"],
        goroutines=[
            dict(
                id=1,
                wait_minutes=32987,
                frames=(F("main.main", "/src/app/main.go", 191, "", "0x9d2"),),
            ),
            dict(
                id=7,
                frames=(
                    F(
                        "runtime.gopanic",
                        "/usr/local/go/src/runtime/panic.go",
                        770,
                        "{0x4b1e20?, 0xc000012345?}",
                        "0x132",
                    ),
                    F("main.worker", "/src/app/worker.go", 40, "0xc000010000", "0x1d"),
                ),
                created_by=F("main.main", "/src/app/main.go", 30, "", "0x25"),
                creator_id=1,
            ),
        ],
    ),
]

JUNK = [
    "2026/11/23 09:00:00 INFO request served path=/x (200)",
    'level=warn msg="slow request" took=1.2s',
    "\x1b[31mERROR\x1b[0m something else",
]


def with_junk(text: str) -> str:
    """Log lines before the dump, after each goroutine and before each header, and at the end."""
    out = [JUNK[0], JUNK[1]]
    for line in text.split("\n"):
        if line.startswith("goroutine ") and out and out[-1] == "":
            out.extend([JUNK[2], ""])
        if line == "" and out and out[-1] != "":
            out.append(JUNK[0])
        out.append(line)
    return "\n".join([*out, *JUNK, ""])


def run_whole(data: bytes, report: ParseReport) -> list[Goroutine]:
    return list(iter_goroutines([data], report, source="case"))


def run_chunked(data: bytes, report: ParseReport) -> list[Goroutine]:
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    return list(iter_goroutines(chunks, report, source="case"))


def run_lines(data: bytes, report: ParseReport) -> list[Goroutine]:
    text = data.decode()
    if text.startswith("goroutine") and " profile: total " in text.split("\n", 1)[0]:
        parser: TracebackParser | Debug1Parser = Debug1Parser(report)
    else:
        parser = TracebackParser(report)
    found = []
    for line in text.splitlines():
        goroutine = parser.feed(line)
        if goroutine is not None:
            found.append(goroutine)
        found.extend(getattr(parser, "extra", ()))  # more goroutines from one line
        getattr(parser, "extra", []).clear()
    last = parser.close()
    if last is not None:
        found.append(last)
    if isinstance(parser, TracebackParser) and parser.headers == 0:
        raise InputError("no goroutine found in 2 lines")
    return found


RUNNERS = {"whole": run_whole, "chunked": run_chunked, "lines": run_lines}


def check(case: Case, goroutines: list[Goroutine], report: ParseReport, *, exact: bool) -> None:
    assert report.format is case.format
    assert len(goroutines) == len(case.goroutines)
    for got, want in zip(goroutines, case.goroutines, strict=True):
        for name, value in want.items():
            assert getattr(got, name) == value, (got.id, name)
    if exact:
        assert [issue.line for issue in report.issues] == case.issues
        assert report.context == case.context
    else:
        assert len(report.issues) == len(case.issues)
        assert [line for line in report.context if line in case.context] == case.context


@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("case", TABLE, ids=str)
def test_case(case: Case, runner: str):
    data = (CASES / case.file).read_bytes()
    report = ParseReport()
    if case.error:
        with pytest.raises(InputError, match=case.error):
            RUNNERS[runner](data, report)
        return
    check(case, RUNNERS[runner](data, report), report, exact=True)


@pytest.mark.parametrize(
    "case",
    [c for c in TABLE if c.junk and not c.error and c.format is DumpFormat.TRACEBACK],
    ids=str,
)
def test_case_inside_a_log(case: Case):
    data = with_junk((CASES / case.file).read_text()).encode()
    report = ParseReport()
    check(case, run_whole(data, report), report, exact=False)


def test_every_case_file_is_in_the_table():
    assert {c.file for c in TABLE} == {p.name for p in CASES.glob("*.txt")}


def test_garbage_binary():
    with pytest.raises(InputError, match="not a pprof"):
        run_whole(b"\x00\x01\x02garbage\xff" * 20, ParseReport())


def test_empty_input():
    for data in (b"", b"\n\n  \n"):
        with pytest.raises(InputError, match="empty input"):
            run_whole(data, ParseReport())


# -- properties ----------------------------------------------------------------------------

FRAGMENTS = [
    "goroutine 1 [running]:",
    "goroutine 17 gp=0xc000 m=nil [chan send (leaked), 3 minutes, locked to thread] {a: b}:",
    "goroutine 2 [select]: {",
    "goroutine x [",
    "main.main()",
    "main.f(0x1, {0x2?, ...})",
    "main.g(...)",
    "\t/src/main.go:12 +0x1d",
    "\t/src/main.go:x",
    "\tpc=0x1",
    "\t",
    "created by main.main in goroutine 1",
    "created by main.main",
    "...additional frames elided...",
    "...7 frames elided...",
    "[originating from goroutine 3]:",
    "non-Go function at pc=0x7f",
    "\tgoroutine running on other thread; stack unavailable",
    "panic: boom",
    "goroutine profile: total 3",
    "goroutineleak profile: total x",
    "2 @ 0x1 0x2",
    '# labels: {"a":"b"}',
    '# labels: {"a":"\\x',
    "#\t0x1\tmain.f+0x1\t/src/main.go:3",
    "#\t0x1",
    "#",
    "",
    "    /src/main.go:12 +0x1d",
    "/src/main.go:12",
    "   C:/Program Files/x.go:3 +0x1 fp=0x1 sp=0x2 pc=0x3",
    "panic({0x1?, 0x2?})",
    "2026-11-23T03:12:00Z goroutine 4 [select]:",
    "    12\tgoroutine 5 [running]:",
    "goroutine 6 [running]:   - ",
    "main.main()   - ",
    "   -",
    "\x1b[31mfatal error: all goroutines are asleep - deadlock!\x1b[0m",
    "`panic: x",
    "2026-11-23T03:12:00Z panic: y",
    'msg="a\\ngoroutine 8 [select]:\\nmain.f()\\n\\t/s/m.go:1 +0x1\\n" x=1',
    '{"stack":"goroutine 9 [running]:\\nmain.g(\\"\\u00e9\\")\\n\\t/s/g.go:2"}',
    'x="goroutine 10 [a]:\\',
    "level=info goroutine 11 [damaged",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_only_input_error(data: bytes):
    for prefix in (b"", b"\x1f\x8b", b"goroutine profile: total 1\n"):
        with contextlib.suppress(InputError):
            list(iter_goroutines([prefix + data], ParseReport(), source="fuzz"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=40))
def test_arbitrary_text_raises_only_input_error(lines: list[str]):
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    report = ParseReport()
    try:
        for g in iter_goroutines([data], report, source="fuzz"):
            assert isinstance(g, Goroutine)
    except InputError:
        pass


# -- live captures pasted in real-world shapes ----------------------------------------------
#
# Crash dumps of tests/go/cmd/formats (deadlock, nil dereference with GOTRACEBACK=system) and
# a debug=2 dump of tests/go/cmd/leaks are transformed the way pastes, log collectors and log
# viewers transform them; every shape must read exactly as the original.


def _indent(lead: str) -> Callable[[str], str]:
    def shape(text: str) -> str:
        return "\n".join(lead + ln[1:] if ln[:1] == "\t" else ln for ln in text.split("\n"))

    return shape


def _prefix(make: Callable[[int], str]) -> Callable[[str], str]:
    def shape(text: str) -> str:
        return "\n".join(make(n) + ln for n, ln in enumerate(text.split("\n"), 1))

    return shape


def _colour_context(text: str) -> str:
    if text.startswith("goroutine "):
        return text
    head, sep, rest = text.partition("\n\ngoroutine ")
    coloured = "\n".join(f"\x1b[1;31m{ln}\x1b[0m" if ln else ln for ln in head.split("\n"))
    return coloured + sep + rest


def _backquoted(text: str) -> str:
    return "```" + text + "\n```"


def _two_pastes(text: str) -> str:
    # The same dump pasted twice, each paste with its own prefix shape; read as two sections.
    first = _prefix(lambda n: f"2026-11-23T03:12:{n % 60:02d}.{n}Z stderr F ")(text)
    second = _prefix(lambda n: f"{n:5d}  Nov 23 03:12:{n % 60:02d} web-1 shop[4211]: ")(text)
    return first + "\n" + second


def _suffix(text: str) -> str:
    return "\n".join(ln + "   - " for ln in text.split("\n"))


def _logfmt(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t")
    return f'time="2026-11-23T03:12:00Z" level=info msg="{escaped}" pid=4211\n'


def _json_line(text: str) -> str:
    return json.dumps({"level": "error", "msg": "goroutine dump", "stack": text}) + "\n"


SHAPES: dict[str, Callable[[str], str]] = {
    "tab": lambda text: text,
    "4 spaces": _indent("    "),
    "8 spaces": _indent("        "),
    "3 spaces": _indent("   "),
    "no indentation": _indent(""),
    "kubectl timestamps": _prefix(lambda n: f"2026-11-23T03:12:{n % 60:02d}.{n}Z "),
    "journald": _prefix(lambda n: f"Nov 23 03:{n % 60:02d}:00 web-1 shop[4211]: "),
    "line numbers": _prefix(lambda n: f"{n:6d}\t"),
    "colour codes": _colour_context,
    "backquoted": _backquoted,
    "suffix": _suffix,
    "logfmt": _logfmt,
    "json": _json_line,
}


CRASHES = (("deadlock", "all"), ("segv", "system"))


@pytest.fixture(scope="module")
def live_dumps(go_bin: Path, go_program) -> dict[str, str]:
    dumps = {mode: run_crash(go_bin, mode, level).decode() for mode, level in CRASHES}
    with go_program("leaks", "-lifetime=60s") as prog, httpx.Client(timeout=15) as client:
        response = client.get(prog.url("pprof") + "goroutine?debug=2")
        dumps["leaks"] = response.text
    return dumps


@pytest.mark.parametrize("dump", ["deadlock", "segv", "leaks"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_live_dump_in_pasted_shape(live_dumps, dump: str, shape: str, runner: str):
    original = live_dumps[dump]
    expected_report = ParseReport()
    expected = run_whole(original.encode(), expected_report)
    assert expected and expected_report.issues == []
    report = ParseReport()
    got = RUNNERS[runner](SHAPES[shape](original).encode(), report)
    if shape == "two pastes":
        got = got[: len(expected)]
    assert got == expected
    assert report.context[: len(expected_report.context)] == expected_report.context
    assert report.issues == []


@pytest.mark.parametrize("dump", ["deadlock", "segv"])
def test_live_dump_two_pastes_with_two_prefixes(live_dumps, dump: str):
    original = live_dumps[dump]
    expected = run_whole(original.encode(), ParseReport())
    report = ParseReport()
    got = run_whole(_two_pastes(original).encode(), report)
    assert got == expected + expected
    assert report.issues == []


def test_live_crash_context_survives_every_shape(live_dumps):
    for shape in SHAPES.values():
        report = ParseReport()
        run_whole(shape(live_dumps["deadlock"]).encode(), report)
        assert "fatal error: all goroutines are asleep - deadlock!" in report.context
        report = ParseReport()
        run_whole(shape(live_dumps["segv"]).encode(), report)
        assert any(line.startswith("[signal SIGSEGV") for line in report.context)


def test_live_panic_frame_is_runtime_code(live_dumps):
    (first, *_) = run_whole(live_dumps["segv"].encode(), ParseReport())
    assert first.frames[0].function == "runtime.gopanic"
    assert first.frames[0].package == "runtime"
