"""The traceback parser's header grammar, frame lines and incremental interface."""

from __future__ import annotations

import pytest

from gotriage.goroutines.parse_text import TracebackParser, parse_header, parse_lines
from gotriage.model import Frame, ParseReport

# header -> (id, state, wait_minutes, leaked, locked_to_thread, labels)
HEADERS = [
    ("goroutine 1 [running]:", (1, "running", None, False, False, ())),
    (
        "goroutine 7 [chan send (leaked), 12 minutes, locked to thread]:",
        (7, "chan send", 12, True, True, ()),
    ),
    (
        "goroutine 3 [chan receive (nil chan)]:",
        (3, "chan receive (nil chan)", None, False, False, ()),
    ),
    ("goroutine 4 [select (no cases), 1 minutes]:", (4, "select (no cases)", 1, False, False, ())),
    ("goroutine 5 [GC worker (idle)]:", (5, "GC worker (idle)", None, False, False, ())),
    ("goroutine 6 [runnable (scan)]:", (6, "runnable", None, False, False, ())),
    (
        "goroutine 8 gp=0xc000102a80 m=4 mp=0xc000100808 [syscall, 2 minutes, locked to thread]:",
        (8, "syscall", 2, False, True, ()),
    ),
    ("goroutine 9 gp=0xc000007500 m=nil [sleep]:", (9, "sleep", None, False, False, ())),
    (
        "goroutine 10 [chan receive (durable), synctest bubble 2]:",
        (10, "chan receive (durable)", None, False, False, ()),
    ),
    (
        'goroutine 11 [select] {span: abc, "user agent": "curl/8.0"}:',
        (11, "select", None, False, False, (("span", "abc"), ("user agent", "curl/8.0"))),
    ),
    (
        "goroutine 18446744073709551615 [idle]:",
        (18446744073709551615, "idle", None, False, False, ()),
    ),
]

NOT_HEADERS = [
    "goroutine profile: total 3",
    "goroutine 1 [running]",
    "goroutine 1 running:",
    "goroutine x [running]:",
    "goroutine 1 [running]: trailing",
    "goroutine 1 [running] {unclosed:",
    "goroutine 1 [running]: {a: b}",
    "goroutine 1 extra [running]:",
    "goroutine 1",
]


@pytest.mark.parametrize(("line", "expected"), HEADERS)
def test_header(line: str, expected: tuple):
    assert parse_header(line) == expected


@pytest.mark.parametrize("line", NOT_HEADERS)
def test_not_a_header(line: str):
    assert parse_header(line) is None


@pytest.mark.parametrize(
    ("function_line", "file_line", "frame"),
    [
        (
            "main.(*Server).serve(0xc000010000, {0x5f1e20?, 0xc0000a4000}, ...)",
            "\t/src/server.go:123 +0x1e",
            Frame(
                "main.(*Server).serve",
                "/src/server.go",
                123,
                "0xc000010000, {0x5f1e20?, 0xc0000a4000}, ...",
                "0x1e",
            ),
        ),
        (
            "main.helper[...](...)",
            "\t/src/helper.go:9",
            Frame("main.helper[...]", "/src/helper.go", 9, "...", "", True),
        ),
        (
            "main.main()",
            "\t/src/main.go:30 +0x105 fp=0xc000057f80 sp=0xc000057ee8 pc=0x4859a5",
            Frame("main.main", "/src/main.go", 30, "", "0x105"),
        ),
        (
            "runtime.goexit({})",
            "\t/go/src/runtime/asm_amd64.s:1700 +0x1",
            Frame("runtime.goexit", "/go/src/runtime/asm_amd64.s", 1700, "{}", "0x1"),
        ),
        ("main.f(0x1, _)", "\tC:/src/main.go:7", Frame("main.f", "C:/src/main.go", 7, "0x1, _")),
        ("main.noargs()", "\t/src/main.go:1", Frame("main.noargs", "/src/main.go", 1)),
        ("C.worker", "\t/src/w.c:4 pc=0x4a2b10", Frame("C.worker", "/src/w.c", 4)),
        ("C.worker", "\tpc=0x4a2b10", Frame("C.worker", offset="pc=0x4a2b10")),
    ],
)
def test_frame(function_line: str, file_line: str, frame: Frame):
    (goroutine,) = parse_lines(["goroutine 2 [select]:", function_line, file_line])
    assert goroutine.frames == (frame,)


def test_feed_returns_each_goroutine_when_complete():
    parser = TracebackParser()
    lines = [
        "goroutine 1 [running]:",
        "main.main()",
        "\t/src/main.go:3 +0x1",
        "goroutine 2 [sleep]:",  # a header also completes the goroutine before it
        "time.Sleep(0x3b9aca00)",
        "\t/go/src/runtime/time.go:300 +0x10",
        "",
    ]
    done = [(n, g.id) for n, line in enumerate(lines) if (g := parser.feed(line)) is not None]
    assert done == [(3, 1), (6, 2)]
    assert parser.close() is None
    assert parser.close() is None  # closing twice is harmless


def test_identical_frames_are_shared():
    lines = []
    for n in range(3):
        lines += [f"goroutine {n + 1} [select]:", "main.loop()", "\t/src/main.go:3 +0x1", ""]
    goroutines = list(parse_lines(lines))
    assert goroutines[0].frames[0] is goroutines[2].frames[0]


def test_lines_keep_their_newlines():
    text = "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:3 +0x1\n"
    (goroutine,) = parse_lines(text.splitlines(keepends=True))
    assert goroutine.frames == (Frame("main.main", "/src/main.go", 3, "", "0x1"),)


def test_file_line_without_function_is_an_issue():
    report = ParseReport()
    lines = [
        "goroutine 1 [running]:",
        "main.main()",
        "\t/src/main.go:3 +0x1",
        "\t/src/x.go:4",
        "main.f()",
        "\t/src/main.go:9",
    ]
    (goroutine,) = parse_lines(lines, report)
    assert [f.line for f in goroutine.frames] == [3, 9]
    assert [issue.line for issue in report.issues] == [4]


def test_context_lines_are_capped():
    from gotriage.goroutines import parse_text

    report = ParseReport()
    lines = ["panic: x"] * (parse_text.MAX_CONTEXT_LINES + 5) + [
        "goroutine 1 [running]:",
        "main.main()",
        "\t/m.go:1",
    ]
    list(parse_lines(lines, report))
    assert len(report.context) == parse_text.MAX_CONTEXT_LINES


def test_runtime_pseudo_name_panic_is_runtime_gopanic():
    (goroutine,) = parse_lines(
        [
            "goroutine 1 [running]:",
            "panic({0x4b1e20?, 0xc000012345?})",
            "\t/go/src/runtime/panic.go:9 +0x1",
        ]
    )
    assert goroutine.frames[0].function == "runtime.gopanic"


@pytest.mark.parametrize("lead", ["    ", "        ", "   ", ""])
def test_file_lines_by_shape(lead: str):
    lines = [
        "goroutine 1 [chan receive]:",
        "main.wait(0xc000010000)",
        f"{lead}/src/app/main.go:12 +0x1d",
        "main.main()",
        f"{lead}C:/Program Files/app/main.go:30",
        "created by main.start in goroutine 1",
        f"{lead}_cgo_gotypes.go:39 +0x45",
    ]
    report = ParseReport()
    (goroutine,) = parse_lines(lines, report)
    assert [(f.file, f.line) for f in goroutine.frames] == [
        ("/src/app/main.go", 12),
        ("C:/Program Files/app/main.go", 30),
    ]
    assert goroutine.created_by == Frame("main.start", "_cgo_gotypes.go", 39, "", "0x45")
    assert report.issues == []


def test_a_log_line_is_not_a_file_line():
    lines = ["goroutine 1 [running]:", "main.main()", "started at 09:00", "main.f()", "\t/m.go:3"]
    report = ParseReport()
    (goroutine,) = parse_lines(lines, report)
    assert goroutine.frames == (Frame("main.f", "/m.go", 3),)
    assert [issue.line for issue in report.issues] == [2, 3]


def test_frames_are_capped_keeping_top_and_creator():
    from gotriage.goroutines import parse_text

    lines = ["goroutine 9 [running]:"]
    for n in range(parse_text.MAX_FRAMES + 50):
        lines += [f"main.f{n}()", f"\t/src/m.go:{n + 1} +0x1"]
    lines += ["created by main.main in goroutine 1", "\t/src/m.go:1 +0x2"]
    report = ParseReport()
    (goroutine,) = parse_lines(lines, report)
    assert len(goroutine.frames) == parse_text.MAX_FRAMES
    assert goroutine.frames[0].function == "main.f0" and goroutine.frames_elided
    assert goroutine.created_by is not None and goroutine.creator_id == 1
    assert [(i.line, "dropped 50" in i.message) for i in report.issues] == [(1, True)]


# -- memory stays flat on hostile text (peak RSS of a child process, not timing) ------------

HOSTILE = {
    # One line of 1 GiB, made lazily, before a real dump.
    "one huge line": (
        "huge = (b'x' * (1 << 20) for _ in range(1024))\n"
        "chunks = itertools.chain(huge, [b'\\n' + DUMP])"
    ),
    # One goroutine of 1,000,000 frames.
    "a million frames": (
        "frame = b'main.f%d(0xc000%06x)\\n\\t/src/m.go:%d +0x1\\n'\n"
        "frames = (frame % (n, n, n) for n in range(10**6))\n"
        "chunks = itertools.chain([b'goroutine 1 [running]:\\n'], frames, [b'\\n' + DUMP])"
    ),
    # 300 MB of log lines before a dump behind a log prefix (once held back until the header).
    "log before a prefixed dump": (
        "log = (b'2026-11-23T03:12:00Z ' + b'y' * 999_000 + b'\\n' for _ in range(300))\n"
        "prefixed = b''.join(b'2026-11-23T03:12:00Z ' + ln + b'\\n' for ln in DUMP.split(b'\\n'))\n"
        "chunks = itertools.chain(log, [prefixed])"
    ),
}
CHILD = """
import itertools
from gotriage.goroutines.load import iter_goroutines
from gotriage.model import ParseReport
DUMP = b'goroutine 7 [select]:\\nmain.main()\\n\\t/src/m.go:9 +0x1d\\n'
{make}
report = ParseReport()
found = [g.id for g in iter_goroutines(chunks, report, source='hostile')]
# VmHWM is this program's own peak: ru_maxrss would also count the test session's memory,
# which the child inherited for the moment between fork and exec.
with open('/proc/self/status') as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))
print(found, len(report.issues), peak // 1024)
"""
MAX_PEAK_MB = 200  # the interpreter and gotriage take about 40 MB


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_memory_is_flat_on_hostile_text(name: str):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(make=HOSTILE[name])],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    ids, _issues, peak_mb = done.stdout.rsplit(" ", 2)
    assert ids.startswith("[") and "7" in ids  # the dump after the hostile part is still read
    assert int(peak_mb) < MAX_PEAK_MB, f"{name}: peak {peak_mb} MB"


@pytest.mark.parametrize(
    "line",
    [
        "goroutine 5 [running] (copied)",
        "    goroutine 5 [running",
        "2026-11-23T03:12:00Z goroutine 5 [chan receive",
    ],
)
def test_a_header_that_cannot_be_read_is_never_silent(line: str):
    report = ParseReport()
    lines = ["goroutine 1 [running]:", "main.main()", "\t/src/m.go:3 +0x1", line, "x"]
    goroutines = list(parse_lines(lines, report))
    assert [g.id for g in goroutines] == [1]
    assert [issue.line for issue in report.issues] == [4]


def test_the_line_cap_applies_to_lines_inside_one_chunk():
    from gotriage.goroutines.load import MAX_LINE_CHARS, iter_goroutines

    data = b"x" * (MAX_LINE_CHARS + 10) + b"\ngoroutine 1 [running]:\nmain.main()\n\t/m.go:3\n"
    report = ParseReport()
    (goroutine,) = iter_goroutines([data], report, source="x")
    assert goroutine.frames == (Frame("main.main", "/m.go", 3),)
    assert [(issue.line, "cut short" in issue.message) for issue in report.issues] == [(1, True)]


@pytest.mark.parametrize("bad", ["\t/src/a.go:²3 +0x2", "\t/src/a.go:" + "9" * 30 + " +0x2"])
def test_a_bad_last_file_line_is_an_issue(bad: str):
    lines = [
        "goroutine 1 [chan receive, 5 minutes]:",
        "main.f()",
        "\t/src/a.go:12 +0x1",
        "main.main()",
        bad,
        "",
        "goroutine 2 [running]:",
        "main.g()",
        "\t/src/a.go:1 +0x1",
    ]
    report = ParseReport()
    first, second = parse_lines(lines, report)
    assert [f.function for f in first.frames] == ["main.f"] and second.id == 2
    assert [(i.line, "malformed file line" in i.message) for i in report.issues] == [(5, True)]
