import pytest

from gotriage.goroutines.log_prefix import find_prefix, strip_log_prefix

TRACEBACK = [
    "panic: boom",
    "",
    "goroutine 1 [running]:",
    "main.main()",
    "\t/src/main.go:9 +0x1d",
    "exit status 2",
]


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
    ],
)
def test_prefixes_are_removed(prefixes):
    lines = [p + line for p, line in zip(prefixes, TRACEBACK, strict=True)]
    assert list(strip_log_prefix(lines)) == TRACEBACK


def test_unprefixed_input_passes_unchanged():
    lines = ["some log line", *TRACEBACK]
    assert list(strip_log_prefix(lines)) == lines


def test_lines_without_the_prefix_are_kept():
    lines = ["2026-11-23T03:12:00Z goroutine 1 [running]:", "\t/src/main.go:9 +0x1d", "plain"]
    assert list(strip_log_prefix(lines)) == [
        "goroutine 1 [running]:",
        "\t/src/main.go:9 +0x1d",
        "plain",
    ]


@pytest.mark.parametrize(
    "line",
    ["goroutine 1 [running]:", "mygoroutine 1 [x]:", "no header here", "the goroutine count rose"],
)
def test_no_prefix(line):
    assert find_prefix(line) is None
