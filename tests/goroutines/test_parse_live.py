"""Every dump format captured live from tests/go/cmd/formats and parsed.

The program parks goroutines in known shapes; each line where one waits carries an
``// at: NAME`` mark, and the parsed frames must point at exactly those lines. One program run
serves debug=2, debug=1, debug=0 and goroutineleak; SIGQUIT ends it with a dump on stderr.
Panic, nil dereference and deadlock runs write their tracebacks to stderr too.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from gotriage.goroutines.load import iter_goroutines
from gotriage.model import DumpFormat, Goroutine, ParseReport

SOURCE = Path(__file__).parents[1] / "go" / "cmd" / "formats" / "main.go"
MARKS = {
    m.group(1): n
    for n, text in enumerate(SOURCE.read_text().splitlines(), 1)
    if (m := re.search(r"// at: ([\w-]+)", text))
}
SOURCE_SUFFIX = "cmd/formats/main.go"


@dataclass
class Parsed:
    goroutines: list[Goroutine]
    report: ParseReport = field(default_factory=ParseReport)


def parse(data: bytes, source: str = "live") -> Parsed:
    report = ParseReport()
    return Parsed(list(iter_goroutines([data], report, source=source)), report)


def at(frame_or_none, mark: str) -> bool:
    return (
        frame_or_none is not None
        and frame_or_none.file.endswith(SOURCE_SUFFIX)
        and frame_or_none.line == MARKS[mark]
    )


def user_frame(g: Goroutine):
    return next((f for f in g.frames if f.file.endswith(SOURCE_SUFFIX)), None)


def find(parsed: Parsed, mark: str) -> Goroutine:
    found = [g for g in parsed.goroutines if at(user_frame(g), mark)]
    assert len(found) == 1, f"{mark}: {len(found)} goroutines"
    return found[0]


def read_stderr(process: subprocess.Popen, timeout: float = 30) -> bytes:
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(process.stderr.read()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert out, "no stderr before the timeout"
    return out[0] if isinstance(out[0], bytes) else out[0].encode()


def capture(go_program, traceback_level: str) -> dict[str, bytes]:
    env = dict(os.environ, GOTRACEBACK=traceback_level, GODEBUG="tracebacklabels=1")
    dumps: dict[str, bytes] = {}
    with go_program(
        "formats", "-mode=block", "-lifetime=60s", env=env, stderr=subprocess.PIPE
    ) as prog:
        base = prog.url("pprof")
        with httpx.Client(timeout=15) as client:
            for name, path in [
                ("debug2", "goroutine?debug=2"),
                ("debug1", "goroutine?debug=1"),
                ("proto", "goroutine?debug=0"),
                ("leak1", "goroutineleak?debug=1"),
                ("leak0", "goroutineleak?debug=0"),
                ("leak2", "goroutineleak?debug=2"),
                ("debug2_after_leak", "goroutine?debug=2"),
            ]:
                response = client.get(base + path)
                assert response.status_code == 200, path
                dumps[name] = response.content
        prog.signal(signal.SIGQUIT)
        dumps["sigquit"] = read_stderr(prog.process)
    return dumps


@pytest.fixture(scope="module")
def live(go_program) -> dict[str, bytes]:
    dumps = capture(go_program, "all")
    dumps["sigquit_system"] = capture_sigquit_only(go_program, "system")
    return dumps


def capture_sigquit_only(go_program, level: str) -> bytes:
    env = dict(os.environ, GOTRACEBACK=level)
    with go_program(
        "formats", "-mode=block", "-lifetime=60s", env=env, stderr=subprocess.PIPE
    ) as prog:
        prog.signal(signal.SIGQUIT)
        return read_stderr(prog.process)


def run_crash(go_bin: Path, mode: str, level: str = "all") -> bytes:
    done = subprocess.run(
        [str(go_bin / "formats"), f"-mode={mode}"],
        env=dict(os.environ, GOTRACEBACK=level),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    return done.stderr


# -- debug=2 --------------------------------------------------------------------------------

EXPECTED_STATES = {
    "chan-send": "chan send",
    "chan-receive": "chan receive",
    "select": "select",
    "nil-receive": "chan receive (nil chan)",
    "locked": "chan receive",
    "deep": "chan receive",
    "inlined": "chan receive",
    "generic": "chan receive",
    "labelled": "chan receive",
    "mutex": "sync.Mutex.Lock",
    "sleep": "sleep",
    "select-no-cases": "select (no cases)",
    "leak": "chan send",
}


@pytest.mark.parametrize("dump", ["debug2", "sigquit", "sigquit_system"])
@pytest.mark.parametrize("mark", sorted(EXPECTED_STATES))
def test_states_and_blocking_lines(live, dump, mark):
    g = find(parse(live[dump]), mark)
    assert g.state == EXPECTED_STATES[mark]
    assert g.count == 1 and g.id is not None and g.id > 1
    assert g.creator_id == 1
    assert g.created_by is not None and g.created_by.file.endswith(SOURCE_SUFFIX)
    assert g.locked_to_thread is (mark == "locked")
    assert g.frames_elided is (mark == "deep")


def test_debug2_details(live):
    parsed = parse(live["debug2"])
    assert parsed.report.format is DumpFormat.TRACEBACK
    assert parsed.report.issues == [] and parsed.report.context == []
    assert parsed.report.goroutines == len(parsed.goroutines)
    ids = [g.id for g in parsed.goroutines]
    assert len(ids) == len(set(ids))

    send = find(parsed, "chan-send")
    assert send.frames[0].function == "main.sendForever"
    assert send.created_by.function == "main.park"
    assert at(send.created_by, "go-send")
    assert send.created_by.offset.startswith("0x")

    leak = find(parsed, "leak")
    assert leak.frames[0].function == "main.leakUnreachable.func1"
    assert leak.created_by.function == "main.leakUnreachable" and at(leak.created_by, "go-leak")

    inlined = find(parsed, "inlined")
    assert inlined.frames[0].function == "main.receiveOne"
    assert inlined.frames[0].inlined and inlined.frames[0].args == "..."
    assert inlined.frames[0].offset == ""
    assert at(inlined.frames[1], "inlined-caller") and not inlined.frames[1].inlined

    generic = find(parsed, "generic")
    assert generic.frames[0].function == "main.genericWait[...]"

    deep = find(parsed, "deep")
    recursion = [f for f in deep.frames if f.function == "main.recurse"]
    assert at(recursion[0], "deep") and at(recursion[1], "recurse")
    assert len(deep.frames) == 100  # 50 innermost + 50 outermost, the rest elided

    labelled = find(parsed, "labelled")
    assert dict(labelled.labels) == {"worker": "w1", "tenant id": "a b"}

    mutex = find(parsed, "mutex")
    assert mutex.frames[-1].function == "main.lockForever"
    assert any(f.function == "sync.(*Mutex).Lock" for f in mutex.frames)

    main = next(g for g in parsed.goroutines if g.id == 1)
    assert main.created_by is None and main.creator_id is None


def test_leak_marks_after_leak_profile(live):
    before = parse(live["debug2"])
    assert not any(g.leaked for g in before.goroutines)
    for dump in ("debug2_after_leak", "leak2"):
        parsed = parse(live[dump])
        leaked = {g.state for g in parsed.goroutines if g.leaked}
        assert leaked == {"chan send", "chan receive (nil chan)", "select (no cases)"}
        assert find(parsed, "leak").leaked
        assert not find(parsed, "chan-send").leaked  # its channel is a reachable global


# -- debug=1, protobuf and cross-format agreement ---------------------------------------------


def test_debug1(live):
    parsed = parse(live["debug1"])
    assert parsed.report.format is DumpFormat.DEBUG1
    assert parsed.report.issues == []
    assert "wait reasons (goroutine states)" in parsed.report.missing
    for g in parsed.goroutines:
        assert g.id is None and g.state == "" and g.count >= 1 and g.created_by is None
        assert not any(f.function == "runtime.gopark" for f in g.frames)
    send = find(parsed, "chan-send")
    assert send.frames[0].function == "main.sendForever" and send.frames[0].offset
    assert dict(find(parsed, "labelled").labels) == {"worker": "w1", "tenant id": "a b"}
    assert find(parsed, "generic").frames[0].function == "main.genericWait[...]"


def test_proto(live):
    assert live["proto"][:2] == b"\x1f\x8b"
    parsed = parse(live["proto"])
    assert parsed.report.format is DumpFormat.PROTO
    assert "goroutine ids" in parsed.report.missing
    send = find(parsed, "chan-send")
    assert [f.function for f in send.frames[:3]] == [
        "runtime.gopark",
        "runtime.chansend",
        "runtime.chansend1",
    ]
    inlined = find(parsed, "inlined")
    receive = next(f for f in inlined.frames if f.function == "main.receiveOne")
    assert receive.inlined and at(receive, "inlined")
    assert dict(find(parsed, "labelled").labels) == {"worker": "w1", "tenant id": "a b"}


@pytest.mark.parametrize("dump", ["leak1", "leak0"])
def test_leak_profile(live, dump):
    parsed = parse(live[dump])
    assert parsed.report.format is DumpFormat.LEAK_PROFILE
    assert all(g.leaked for g in parsed.goroutines)
    marks = {m for m in EXPECTED_STATES if any(at(user_frame(g), m) for g in parsed.goroutines)}
    assert marks == {"leak", "nil-receive", "select-no-cases"}


def scenario_counts(parsed: Parsed) -> Counter:
    counts: Counter = Counter()
    for g in parsed.goroutines:
        frame = user_frame(g)
        if frame is not None:
            counts[(frame.function, frame.line)] += g.count
    return counts


def test_counts_agree_across_formats(live):
    debug2 = scenario_counts(parse(live["debug2"]))
    assert debug2 == scenario_counts(parse(live["debug1"]))
    assert debug2 == scenario_counts(parse(live["proto"]))
    assert sum(debug2.values()) == len(EXPECTED_STATES) + 1  # and main.main


# -- SIGQUIT, panic, nil dereference, deadlock -------------------------------------------------


def test_sigquit_dump(live):
    for dump in ("sigquit", "sigquit_system"):
        parsed = parse(live[dump])
        assert parsed.report.context[:1] == ["SIGQUIT: quit"]
        assert parsed.report.context[1].startswith("PC=")
        assert parsed.report.issues == []
        assert any(g.id == 0 for g in parsed.goroutines)  # the signal thread's g0
        assert not any(f.function.startswith("rax") for g in parsed.goroutines for f in g.frames)
    system_text = live["sigquit_system"].decode()
    assert re.search(r"^goroutine \d+ gp=0x[0-9a-f]+ m=", system_text, re.M)
    assert " fp=0x" in system_text


def test_panic(go_bin):
    parsed = parse(run_crash(go_bin, "panic"))
    assert parsed.report.context == ["panic: formats: boom", "\tsecond line"]
    first = parsed.goroutines[0]
    assert first.id == 1 and first.state == "running"
    assert first.frames[0].function == "main.fail" and first.frames[0].inlined
    assert at(first.frames[0], "panic")
    assert {"chan send", "sync.Mutex.Lock"} <= {g.state for g in parsed.goroutines}
    assert parsed.report.issues == []


def test_segv_with_system_traceback(go_bin):
    text = run_crash(go_bin, "segv", "system")
    parsed = parse(text)
    assert parsed.report.context[0].startswith("panic: runtime error: invalid memory address")
    assert parsed.report.context[1].startswith("[signal SIGSEGV: segmentation violation")
    first = parsed.goroutines[0]
    assert first.id == 1 and first.state == "running"
    assert first.frames[0].function == "runtime.gopanic"  # printed as "panic({...})"
    assert any(at(f, "segv") for f in first.frames)
    main = next(f for f in first.frames if f.function == "main.main")
    assert re.fullmatch(r"0x[0-9a-f]+", main.offset)  # fp=/sp=/pc= stripped
    assert first.frames[-1].function == "runtime.goexit"
    assert parsed.report.issues == []


def test_deadlock(go_bin):
    parsed = parse(run_crash(go_bin, "deadlock"))
    assert parsed.report.context == ["fatal error: all goroutines are asleep - deadlock!"]
    main = parsed.goroutines[0]
    assert main.id == 1 and main.state == "chan receive" and at(main.frames[0], "deadlock-main")
    assert find(parsed, "deep").frames_elided


def test_panic_inside_a_log(go_bin):
    crash = run_crash(go_bin, "panic").decode()
    expected = parse(crash.encode())
    # A line right after the panic message would read as more of the message, so the log lines
    # go before it, after each goroutine, and after the dump.
    message, first, rest = crash.partition("\n\ngoroutine ")
    log = (
        "2026/11/23 09:00:00 starting (pid 42)\n"
        'level=info msg="listening" addr=127.0.0.1:8080\n'
        + message
        + first
        + rest.replace("\n\ngoroutine ", "\n2026/11/23 09:00:01 interleaved (x)\n\ngoroutine ")
        + "exit status 2\n2026/11/23 09:00:02 restarting\n"
    )
    parsed = parse(log.encode())
    assert parsed.goroutines == expected.goroutines
    assert parsed.report.context == expected.report.context
    assert parsed.report.issues == []


def test_stack_overflow(go_bin):
    parsed = parse(run_crash(go_bin, "overflow"))
    assert parsed.report.context[0].startswith("runtime: goroutine stack exceeds 1048576-byte")
    assert parsed.report.context[-1] == "fatal error: stack overflow"
    first = parsed.goroutines[0]  # the "runtime stack:" frames before it belong to no goroutine
    assert first.id == 1 and first.state == "running" and first.frames_elided
    # The innermost frame stops at the function's stack check, on its "func" line.
    assert first.frames[0].line == MARKS["overflow"] - 1 and at(first.frames[1], "overflow")
    assert len(first.frames) == 100
    assert parsed.report.issues == []
