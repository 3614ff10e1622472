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


def _analysis(text: str):
    report = ParseReport()
    return analyse(iter_goroutines([text.encode()], report, source="t"), report, source="t")


TIMED_OUT = """\
panic: test timed out after 2s
\trunning tests:
\t\tTestA (2s)
\t\tTestB (2s)

goroutine 1 [chan receive]:
testing.(*T).Run(0x1, {0x2, 0x3}, 0x4)
\t/go/src/testing/testing.go:1859 +0x1
testing.runTests.func1(0x1)
\t/go/src/testing/testing.go:2279 +0x1
testing.tRunner(0x1, 0x2)
\t/go/src/testing/testing.go:1792 +0x1
main.main()
\t_testmain.go:47 +0x1

goroutine 5 [chan receive]:
example.com/p.wait()
\t/p/p.go:9 +0x1
example.com/p.TestA(0x1)
\t/p/p_test.go:5 +0x1
testing.tRunner(0x1, 0x2)
\t/go/src/testing/testing.go:1792 +0x1
created by testing.(*T).Run in goroutine 1
\t/go/src/testing/testing.go:1851 +0x1

goroutine 6 [chan send]:
example.com/p.work()
\t/p/p.go:20 +0x1
created by example.com/p.wait in goroutine 5
\t/p/p.go:8 +0x1

goroutine 8 [chan send]:
example.com/p.deeper()
\t/p/p.go:25 +0x1
created by example.com/p.work in goroutine 6
\t/p/p.go:19 +0x1

goroutine 7 [chan send]:
example.com/p.other()
\t/p/p.go:30 +0x1
created by example.com/p.init in goroutine 1
\t/p/p.go:3 +0x1
"""


def test_test_timeout_blames_the_running_tests_and_what_they_started():
    analysis = _analysis(TIMED_OUT)
    assert analysis.test_timeout == "panic: test timed out after 2s"
    assert analysis.running_tests == ("TestA", "TestB")
    lines = {s.location.line: s for s in analysis.suspects if s.location}
    # Goroutine 8 was started by one the test started; goroutine 7 by package init, in the
    # main goroutine, which runs the testing package's own tRunner but no test.
    assert set(lines) == {9, 20, 25}
    assert "while TestA, TestB ran" in lines[20].evidence[0].text


def test_an_ordinary_panic_is_no_test_timeout():
    analysis = _analysis(TIMED_OUT.replace("test timed out after 2s", "boom"))
    assert analysis.test_timeout is None and analysis.suspects == []


def test_base_in_another_format_is_compared_at_shared_precision_and_says_so():
    from gotriage.goroutines.analyse import compare_with

    current = _analysis(TIMED_OUT)
    base = _analysis(
        "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\texample.com/p.work+0x1\t/p/p.go:20\n"
    )
    compare_with(current, base)
    assert current.comparison is not None
    assert current.comparison.compared_by == ("blocking site", "net/http phase")
    assert any("debug1 against traceback" in note for note in current.notes)
    grew = {g.group.location: g.delta for g in current.growth or []}
    assert "/p/p.go:9" in grew and "/p/p.go:20" not in grew


def test_a_test_hung_on_the_network_is_blamed_but_not_its_servers_idle_connections():
    text = (
        "panic: test timed out after 1s\n\trunning tests:\n\t\tTestCall (1s)\n\n"
        "goroutine 5 [IO wait]:\n"
        "internal/poll.runtime_pollWait(0x1, 0x72)\n\t/go/src/runtime/netpoll.go:351 +0x1\n"
        "example.com/p.call()\n\t/p/p.go:12 +0x1\n"
        "example.com/p.TestCall(0x1)\n\t/p/p_test.go:5 +0x1\n"
        "testing.tRunner(0x1, 0x2)\n\t/go/src/testing/testing.go:1792 +0x1\n"
        "created by testing.(*T).Run in goroutine 1\n\t/go/src/testing/testing.go:1851 +0x1\n\n"
        "goroutine 9 [IO wait]:\n"
        "internal/poll.runtime_pollWait(0x1, 0x72)\n\t/go/src/runtime/netpoll.go:351 +0x1\n"
        "example.com/p.serveConn()\n\t/p/p.go:40 +0x1\n"
        "created by example.com/p.TestCall in goroutine 5\n\t/p/p_test.go:4 +0x1\n"
    )
    (suspect,) = _analysis(text).suspects
    assert suspect.location is not None and suspect.location.line == 12
    assert [e.code for e in suspect.evidence] == ["test-timeout"]
