"""Log decorations: prefixes per section, constant suffixes, dumps escaped into one line."""

from __future__ import annotations

import pytest

from gotriage.goroutines.log_prefix import escaped_dump, find_prefix, find_suffix
from gotriage.goroutines.parse_text import parse_header, parse_lines
from gotriage.model import Frame, ParseReport

TRACEBACK = [
    "panic: boom",
    "",
    "goroutine 1 [running]:",
    "main.main()",
    "\t/src/main.go:9 +0x1d",
    "exit status 2",
]
MAIN = Frame("main.main", "/src/main.go", 9, "", "0x1d")


def read(lines: list[str]) -> tuple[list, ParseReport]:
    report = ParseReport()
    return list(parse_lines(lines, report)), report


@pytest.mark.parametrize(
    "prefixes",
    [
        # kubectl logs --timestamps, docker logs -t
        [
            f"2026-11-23T03:12:{s:02d}.{n}Z "
            for s, n in zip(range(6), (1, 22, 333, 4, 55, 6), strict=True)
        ],
        # journald's short format
        [f"Nov 23 03:12:{s:02d} web-1 shop[4211]: " for s in range(6)],
        # kubectl logs --prefix
        ["[pod/shop-7d9/app] "] * 6,
        # cat -n: right-aligned line numbers, then a tab
        [f"{n:6d}\t" for n in (8, 9, 10, 11, 12, 13)],
    ],
)
def test_prefixes_are_removed(prefixes):
    lines = [p + line for p, line in zip(prefixes, TRACEBACK, strict=True)]
    (goroutine,), report = read(lines)
    assert goroutine.id == 1 and goroutine.frames == (MAIN,)
    assert report.context == ["panic: boom"] and report.issues == []


def test_two_prefix_shapes_in_one_input():
    first = [f"2026-11-23T03:12:0{n}Z " + line for n, line in enumerate(TRACEBACK[2:5])]
    second = [f"{n:4d}: Nov 23 03:12:00 web-1 shop[1]: " for n in range(3)]
    lines = [
        *first,
        "",
        *[p + line.replace("1", "2", 1) for p, line in zip(second, TRACEBACK[2:5], strict=True)],
    ]
    goroutines, report = read(lines)
    assert [g.id for g in goroutines] == [1, 2]
    assert all(g.frames for g in goroutines) and report.issues == []


def test_a_section_without_prefix_after_one_with_it():
    lines = [
        "2026-11-23T03:12:00Z goroutine 1 [running]:",
        "2026-11-23T03:12:00Z main.main()",
        "2026-11-23T03:12:00Z \t/src/main.go:9 +0x1d",
        "goroutine 2 [select]:",
        "main.main()",
        "\t/src/main.go:9 +0x1d",
    ]
    goroutines, report = read(lines)
    assert [(g.id, g.frames) for g in goroutines] == [(1, (MAIN,)), (2, (MAIN,))]
    assert report.issues == []


def test_context_behind_the_prefix_of_its_section():
    lines = [
        "2026/11/23 09:00:00 http: panic serving 10.0.0.1:4242: not a crash",
        "2026-11-23T03:12:00Z fatal error: all goroutines are asleep - deadlock!",
        "2026-11-23T03:12:00Z ",
        "2026-11-23T03:12:00Z goroutine 1 [chan receive]:",
        "2026-11-23T03:12:00Z main.main()",
        "2026-11-23T03:12:00Z \t/src/main.go:9 +0x1d",
    ]
    _, report = read(lines)
    assert report.context == ["fatal error: all goroutines are asleep - deadlock!"]


@pytest.mark.parametrize(
    "line",
    [
        "\x1b[1;31mfatal error: all goroutines are asleep - deadlock!\x1b[0m",
        "`fatal error: all goroutines are asleep - deadlock!",
        "```fatal error: all goroutines are asleep - deadlock!",
        "> fatal error: all goroutines are asleep - deadlock!",
    ],
)
def test_context_behind_colours_and_quotes(line):
    _, report = read([line, "", *TRACEBACK[2:5]])
    assert report.context == ["fatal error: all goroutines are asleep - deadlock!"]


def test_constant_suffix():
    dump = [*TRACEBACK[2:5], "", "goroutine 2 [select]:", *TRACEBACK[3:5]]
    lines = [line + "   - " for line in dump]
    lines[3] = "   -"  # a blank line whose trailing blanks the viewer trimmed
    goroutines, report = read(lines)
    assert [g.id for g in goroutines] == [1, 2]
    assert goroutines[0].frames == (MAIN,) and report.issues == []


def test_suffix_finder():
    assert find_suffix("goroutine 1 [running]:   - ", parse_header) == "   - "
    assert find_suffix("goroutine 1 [running]:", parse_header) is None
    assert find_suffix("no header]: x", parse_header) is None


ESCAPED = (
    'time="2026-11-23T03:12:00Z" level=info msg="=== BEGIN goroutine stack dump ===\\n'
    "goroutine 1 [chan receive, 32987 minutes]:\\nmain.main()\\n\\t/src/app/main.go:191 +0x9d2"
    '\\n\\ngoroutine 7 [select]:\\nmain.wait({0x1, \\"x\\"})\\n\\t/src/app/wait.go:3 +0x1\\n'
    '\\n=== END goroutine stack dump ===" pid=1'
)


def test_escaped_dump_in_one_log_line():
    goroutines, report = read(["before", ESCAPED, "after"])
    assert [(g.id, g.state, g.wait_minutes) for g in goroutines] == [
        (1, "chan receive", 32987),
        (7, "select", None),
    ]
    assert goroutines[0].frames == (Frame("main.main", "/src/app/main.go", 191, "", "0x9d2"),)
    assert goroutines[1].frames[0].args == '{0x1, "x"}'
    assert report.issues == []


def test_escaped_dump_in_json():
    line = '{"level":"error","stack":"goroutine 3 [running]:\\nmain.f()\\n\\t/s/m.go:4 +0x1\\n"}'
    (goroutine,), _ = read([line])
    assert goroutine.id == 3 and goroutine.frames == (Frame("main.f", "/s/m.go", 4, "", "0x1"),)


def test_escaped_dump_lines():
    assert escaped_dump("no dump here") is None
    assert escaped_dump('x="goroutine 1 [a]:\\n\\tb\\u00e9"') == ["goroutine 1 [a]:", "\tbé"]


def test_unreadable_header_behind_text_is_an_issue():
    lines = [*TRACEBACK[2:5], "", 'level=info msg="x" goroutine 5 [running] damaged', "x"]
    goroutines, report = read(lines)
    assert [g.id for g in goroutines] == [1]
    assert [issue.line for issue in report.issues] == [5]


@pytest.mark.parametrize(
    "line",
    ["goroutine 1 [running]:", "mygoroutine 1 [x]:", "no header here", "the goroutine count rose"],
)
def test_no_prefix(line):
    assert find_prefix(line) is None


def test_a_prefixed_section_right_after_a_stack():
    lines = [
        *TRACEBACK[2:5],
        "   12  2026-11-23T03:12:00Z goroutine 2 [select]:",
        "   13  2026-11-23T03:12:00Z main.main()",
        "   14  2026-11-23T03:12:00Z \t/src/main.go:9 +0x1d",
    ]
    goroutines, report = read(lines)
    assert [(g.id, g.frames) for g in goroutines] == [(1, (MAIN,)), (2, (MAIN,))]
    assert report.issues == []
