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
