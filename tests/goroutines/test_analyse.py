"""Analysis and reports on arbitrary input: a result or the tool's own InputError, nothing else."""

import contextlib
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from gotriage.errors import InputError
from gotriage.goroutines.analyse import analyse
from gotriage.goroutines.load import iter_goroutines
from gotriage.model import ParseReport
from gotriage.report import goroutines_json, goroutines_text

HEADER = st.sampled_from(
    [
        "goroutine 1 [running]:",
        "goroutine 7 [chan send (leaked), 12 minutes]:",
        "goroutine 9 gp=0xc000 m=nil [select (no cases)]:",
        "goroutine profile: total 3",
        "3 @ 0x1 0x2",
        "#\t0x1\tmain.f+0x1\t/a.go:1",
    ]
)
LINE = st.one_of(
    HEADER,
    st.sampled_from(
        [
            "main.f(0x1, {0x2, 0x3}, ...)",
            "\t/src/a.go:12 +0x1e",
            "created by main.main in goroutine 1",
            "net/http.(*conn).serve(0xc0)",
            "...additional frames elided...",
            "",
        ]
    ),
    st.text(max_size=40),
)


def run(data: bytes) -> None:
    report = ParseReport()
    with contextlib.suppress(InputError):
        analysis = analyse(iter_goroutines([data], report, source="x"), report, source="x")
        json.dumps(goroutines_json.to_dict(analysis))
        goroutines_text.render(analysis, Console(file=io.StringIO(), width=100))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(LINE, max_size=30))
def test_dump_shaped_text_never_crashes_the_analysis(lines):
    run("\n".join(lines).encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_the_analysis(data):
    run(data)


def test_text_report_details_ten_suspects_and_lists_the_rest():
    from gotriage.model import Frame, Goroutine

    snapshot = [
        Goroutine(i, "chan send (nil chan)", (Frame(f"main.f{i}", "/a.go", i),)) for i in range(12)
    ]
    report = ParseReport()
    analysis = analyse(snapshot, report, source="x")
    assert len(analysis.suspects) == 12
    out = io.StringIO()
    goroutines_text.render(analysis, Console(file=out, width=120))
    text = out.getvalue()
    assert text.count("fix:") == 10
    assert "12. [HIGH] 1 at /a.go:" in text and "--all" in text
    out = io.StringIO()
    goroutines_text.render(analysis, Console(file=out, width=120), limit=None)
    assert out.getvalue().count("fix:") == 12
