"""End to end on real Go programs: the suspects are exactly the leaking lines, in every format.

The fixture programs mark each line where a leaked goroutine blocks with ``// leak: NAME``; the
dumps are captured live from the running programs, written to files, and analysed through the
command line, as a user would.
"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import httpx
import pytest

from gotriage import gotool
from gotriage.cli import main

GO_CMD = Path(__file__).parents[1] / "go" / "cmd"
MARK = re.compile(r"//\s*leak:\s*([\w-]+)")
BY_DESIGN_MARK = re.compile(r"//\s*by design:\s*([\w-]+)")

# What each lossy format can still show. debug=1 and protobuf carry no goroutine ids, creators,
# wait reasons or durations: a receiver left behind (indistinguishable from a worker waiting for
# work without its creator) and connection goroutines (which need their creator to find the
# server that owns them) are out of their reach; the report says so.
NEEDS_DEBUG2 = {"range-never-closed", "server-without-timeouts", "labelled-receive"}


def file_marks(path: Path, mark: re.Pattern[str] = MARK) -> dict[str, tuple[str, int]]:
    """``{name: (file, line)}`` for each mark in a Go file."""
    marks = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        found = mark.search(line)
        if found:
            marks[found.group(1)] = (str(path), number)
    return marks


def leak_marks(program: str, mark: re.Pattern[str] = MARK) -> dict[str, tuple[str, int]]:
    return file_marks(GO_CMD / program / "main.go", mark)


def analyse_cli(capsys, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["goroutines", *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def suspect_sites(result: dict) -> set[tuple[str, int]]:
    return {(s["location"]["file"], s["location"]["line"]) for s in result["suspects"]}


def fetch(url: str) -> bytes:
    response = httpx.get(url, timeout=30)
    response.raise_for_status()
    return response.content


def settle(pprof: str, minimum: int = 0, busy: str = "[runnable", deadline: float = 20.0) -> None:
    """Wait (bounded) until every goroutine is parked where it waits: none of the program's own
    is ``busy`` (runnable, or sleeping on its way to block) and the same total twice in a row.
    A loaded machine can take a while to get them there."""
    previous = -1
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        blocks = httpx.get(pprof + "goroutine?debug=2", timeout=30).text.split("\n\n")
        total = sum(block.startswith("goroutine ") for block in blocks)
        # The program's own goroutines still on their way (net/http's may be runnable while
        # this very request is served).
        runnable = sum(
            block.startswith("goroutine ") and busy in block and "\nmain." in block
            for block in blocks
        )
        if not runnable and total == previous and total >= minimum:
            return
        previous = total
        time.sleep(0.2)


def capture_dumps(pprof: str, out: Path) -> dict[str, Path]:
    """debug=2, debug=1 and protobuf goroutine dumps of a live program, saved as files."""
    files = {}
    for name, query in [
        ("debug2.txt", "goroutine?debug=2"),
        ("debug1.txt", "goroutine?debug=1"),
        ("debug0.pb.gz", "goroutine?debug=0"),
    ]:
        files[name] = out / name
        files[name].write_bytes(fetch(pprof + query))
    return files


@pytest.fixture(scope="module")
def leaks_capture(go_program, tmp_path_factory):
    """The leaks program with a slow, an idle and a stalled client on its app server."""
    out = tmp_path_factory.mktemp("leaks")
    with go_program("leaks", "-lifetime=90s") as prog:
        app = httpx.URL(prog.url("app"))
        slow = socket.create_connection((app.host, app.port), timeout=5)
        idle = socket.create_connection((app.host, app.port), timeout=5)
        stalled = socket.create_connection((app.host, app.port), timeout=5)
        try:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: fixture\r\nX-Slow: ")
            idle.sendall(b"GET / HTTP/1.1\r\nHost: fixture\r\n\r\n")
            assert idle.recv(4096).startswith(b"HTTP/1.1 200")
            # A client that asks for a large export and stops reading it.
            stalled.sendall(b"GET /export HTTP/1.1\r\nHost: fixture\r\n\r\n")
            time.sleep(0.3)  # the server fills the socket buffers and blocks writing
            # Captured before any leak profile runs: no (leaked) marks, the heuristics alone.
            files = capture_dumps(prog.url("pprof"), out)
            yield prog, files
        finally:
            for sock in (slow, idle, stalled):
                sock.close()


def test_debug2_heuristics_find_every_leak(leaks_capture, capsys):
    _, files = leaks_capture
    code, result = analyse_cli(capsys, str(files["debug2.txt"]))
    assert code == 1
    assert result["format"] == "traceback"
    assert suspect_sites(result) == set(leak_marks("leaks").values())


@pytest.mark.parametrize("name", ["debug1.txt", "debug0.pb.gz"])
def test_lossy_formats_find_what_they_can_see(leaks_capture, capsys, name):
    _, files = leaks_capture
    code, result = analyse_cli(capsys, str(files[name]))
    assert code == 1
    assert result["missing"], "a lossy format must say what it cannot see"
    expected = {site for mark, site in leak_marks("leaks").items() if mark not in NEEDS_DEBUG2}
    assert suspect_sites(result) == expected


def test_live_url_merges_the_runtime_leak_profile(leaks_capture, capsys):
    prog, _ = leaks_capture
    code, result = analyse_cli(capsys, prog.url("pprof"))
    assert code == 1
    assert result["leak_profile"].startswith("collected")
    assert suspect_sites(result) == set(leak_marks("leaks").values())
    runtime_says = {
        s["location"]["line"]
        for s in result["suspects"]
        if any(e["code"] == "runtime-leaked" for e in s["evidence"])
    }
    # The lock lives in a package-level variable, which the runtime's detector can still reach:
    # that one is found by gotriage's own evidence alone.
    assert leak_marks("leaks")["mutex-never-unlocked"][1] not in runtime_says
    assert leak_marks("leaks")["unbuffered-send"][1] in runtime_says


def test_every_suspect_explains_itself(leaks_capture, capsys):
    _, files = leaks_capture
    _, result = analyse_cli(capsys, str(files["debug2.txt"]))
    for suspect in result["suspects"]:
        assert suspect["evidence"] and suspect["explanation"] and suspect["fix"]
        assert suspect["confidence"] in {"medium", "high"}
    by_site = {s["location"]["line"]: s for s in result["suspects"]}
    send = by_site[leak_marks("leaks")["unbuffered-send"][1]]
    assert send["pattern"] == "chan-send" and send["count"] == 24
    assert "buffer of one" in send["fix"]
    assert {e["code"] for e in send["evidence"]} == {"crowd", "orphaned", "static-finding"}
    # The source is on this machine: the audit's rule for this very leak speaks at the site.
    assert {e["rule"] for e in send["evidence"] if e["code"] == "static-finding"} == {"GT201"}
    server = by_site[leak_marks("leaks")["server-without-timeouts"][1]]
    assert server["pattern"] == "server-without-timeouts"
    assert server["source"], "the blocking line is shown in context when the source is here"


@pytest.fixture(scope="module")
def service_capture(go_program, tmp_path_factory):
    out = tmp_path_factory.mktemp("service")
    with go_program("service", "-lifetime=90s") as prog:
        app = prog.url("app")
        with httpx.Client(timeout=10) as client:
            # Each 504 leaves a lookup behind. On a loaded machine a lookup may beat its 5 ms
            # deadline now and then: that request leaks nothing.
            codes = [client.get(app + "report").status_code for _ in range(30)]
            assert set(codes) <= {200, 504} and codes.count(504) >= 25
            for _ in range(5):
                assert client.get(app + "health").status_code == 200
        # Idle keep-alive connections, within the server's IdleTimeout: blocked by design.
        idle = [httpx.Client(timeout=10) for _ in range(3)]
        try:
            for client in idle:
                assert client.get(app + "health").status_code == 200
            settle(prog.url("pprof"), busy="main.slowLookup")  # the lookups reach their send
            files = capture_dumps(prog.url("pprof"), out)
            yield prog, files, codes.count(504)
        finally:
            for client in idle:
                client.close()


@pytest.mark.parametrize("name", ["debug2.txt", "debug1.txt", "debug0.pb.gz", "url"])
def test_service_has_one_leak_and_nothing_by_design_is_blamed(service_capture, capsys, name):
    prog, files, leaked = service_capture
    source = prog.url("pprof") if name == "url" else str(files[name])
    code, result = analyse_cli(capsys, source)
    assert code == 1
    assert suspect_sites(result) == set(leak_marks("service").values())
    (suspect,) = result["suspects"]
    assert suspect["count"] == leaked


def test_by_design_groups_are_named(service_capture, capsys):
    _, files, _ = service_capture
    _, result = analyse_cli(capsys, str(files["debug2.txt"]))
    reasons = {g["by_design"] for g in result["groups"] if g["by_design"]}
    assert "HTTP server accept loop" in reasons
    assert "signal handling" in reasons
    assert "pprof serving this dump" in reasons
    idle = [g for g in result["groups"] if g["http_phase"] == "idle keep-alive"]
    assert idle and sum(g["count"] for g in idle) >= 3
    # Every line marked "by design" in the program is where some group waits (or, for the accept
    # loop, which has no frame of its own, where it was started), and none of them is a suspect.
    suspects = suspect_sites(result)
    for name, site in leak_marks("service", BY_DESIGN_MARK).items():
        waiting = [
            g
            for g in result["groups"]
            for frame in (g["blocking_site"], g["created_by"])
            if frame and (frame["file"], frame["line"]) == site
        ]
        assert waiting, name
        assert site not in suspects, name


def test_base_reports_growth(leaks_capture, service_capture, capsys, tmp_path):
    prog, files, leaked = service_capture
    with httpx.Client(timeout=10) as client:
        more = [client.get(prog.url("app") + "report").status_code for _ in range(12)].count(504)
    settle(prog.url("pprof"), busy="main.slowLookup")
    later = tmp_path / "later.txt"
    later.write_bytes(fetch(prog.url("pprof") + "goroutine?debug=2"))
    _, result = analyse_cli(capsys, str(later), "--base", str(files["debug2.txt"]))
    top = result["growth"][0]
    assert (top["delta"], top["before"], top["after"]) == (more, leaked, leaked + more)
    assert top["location"].endswith(f"main.go:{leak_marks('service')['report-lookup'][1]}")


def test_go121_leaks_found_without_the_runtime_leak_profile(old_go_bin, capsys):
    with gotool.run_program(old_go_bin / "leaks", ["-lifetime=60s"]) as prog:
        capsys.readouterr()
        code = main(["goroutines", prog.url("pprof"), "--format", "json"])
        result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert result["leak_profile"].startswith("not served")
    expected = {s for m, s in leak_marks("leaks").items() if m != "server-without-timeouts"}
    # No client is connected here, so the server without timeouts holds no connection yet.
    assert suspect_sites(result) == expected
    assert not any(e["code"] == "runtime-leaked" for s in result["suspects"] for e in s["evidence"])


def test_deadlock_blames_every_blocked_goroutine(go_bin, tmp_path, capsys):
    """A real 'all goroutines are asleep' crash inside a log: every blocked one is stuck."""
    import subprocess

    crash = subprocess.run(
        [str(go_bin / "formats"), "-mode=deadlock"], capture_output=True, timeout=60, check=False
    )
    assert crash.returncode == 2
    log = tmp_path / "service.log"
    log.write_bytes(b"2026/11/23 03:12:44 serving\n" + crash.stderr + b"exit status 2\n")
    code, result = analyse_cli(capsys, str(log))
    assert code == 1
    assert result["context"] == ["fatal error: all goroutines are asleep - deadlock!"]
    blocked = {g["blocking_site"]["line"] for g in result["groups"] if g["by_design"] is None}
    assert {s["location"]["line"] for s in result["suspects"]} == blocked
    assert all("deadlock" in {e["code"] for e in s["evidence"]} for s in result["suspects"])


def test_connections_of_one_server_are_one_suspect(leaks_capture, capsys):
    _, files = leaks_capture
    _, result = analyse_cli(capsys, str(files["debug2.txt"]))
    (server,) = [s for s in result["suspects"] if s["pattern"] == "server-without-timeouts"]
    assert server["count"] == 3
    phases = set(server["http_phase"].split(", "))
    assert phases == {"reading request", "idle keep-alive", "writing response"}


def test_text_report_reads_well(leaks_capture, capsys, monkeypatch):
    _, files = leaks_capture
    monkeypatch.chdir(GO_CMD / "leaks")
    capsys.readouterr()
    assert main(["goroutines", str(files["debug2.txt"]), "--color", "never"]) == 1
    out = capsys.readouterr().out
    send_line = leak_marks("leaks")["unbuffered-send"][1]
    assert "Leak suspects: 9" in out
    assert f"at main.go:{send_line} in main.sendAfterEarlyReturn.func1" in out
    assert f">{send_line:5d} |" in out  # the blocking line, in context
    assert "fix: Give the channel a buffer of one" in out
    assert "by design: HTTP server accept loop" in out
    assert "\x1b[" not in out  # no colour off a terminal


def test_dump_inside_a_timestamped_log(leaks_capture, capsys, tmp_path):
    """kubectl logs --timestamps: every line of the dump behind an RFC 3339 timestamp."""
    _, files = leaks_capture
    lines = files["debug2.txt"].read_text().splitlines()
    stamped = tmp_path / "pod.log"
    stamped.write_text(
        "".join(f"2026-11-23T03:12:{i % 60:02d}.{i}Z {line}\n" for i, line in enumerate(lines))
    )
    _, plain = analyse_cli(capsys, str(files["debug2.txt"]))
    code, result = analyse_cli(capsys, str(stamped))
    assert code == 1 and not result["parse_issues"]
    assert suspect_sites(result) == suspect_sites(plain) == set(leak_marks("leaks").values())


@pytest.mark.parametrize(
    ("file", "text", "code", "suspects"),
    [
        (".gotriage.toml", '[goroutines]\nignore = ["main.(*service).report.func1"]\n', 0, 0),
        ("pyproject.toml", "[tool.gotriage.goroutines]\nmin-count = 50\n", 0, 0),
        ("pyproject.toml", "[tool.gotriage.goroutines]\nmin-count = 20\n", 1, 1),
        ("pyproject.toml", "[tool.other]\nx = 1\n", 1, 1),  # no gotriage table: defaults
    ],
)
def test_settings_file(service_capture, capsys, tmp_path, monkeypatch, file, text, code, suspects):
    _, files, _ = service_capture
    (tmp_path / file).write_text(text)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found from the current directory upwards
    # debug=1 carries neither creators nor durations: only the crowd speaks for this leak.
    got, result = analyse_cli(capsys, str(files["debug1.txt"]))
    assert (got, len(result["suspects"])) == (code, suspects)
    expected = None if "tool.other" in text else str(tmp_path / file)
    assert result["settings"]["config"] == expected


def test_options_win_over_the_settings_file(service_capture, capsys, tmp_path, monkeypatch):
    _, files, _ = service_capture
    (tmp_path / ".gotriage.toml").write_text("[goroutines]\nmin-count = 50\n")
    monkeypatch.chdir(tmp_path)
    code, result = analyse_cli(capsys, str(files["debug1.txt"]), "--min-count", "20")
    assert code == 1 and result["settings"]["min_count"] == 20
    code, result = analyse_cli(capsys, str(files["debug1.txt"]), "--no-config")
    assert code == 1 and result["settings"]["config"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[goroutines]\nmin_count = 0\n", "min_count must be a whole number"),
        ("[goroutines]\nignore = 'main.*'\n", "ignore must be a list"),
        ("[goroutines]\nmin-confidence = 'sure'\n", "min_confidence must be"),
        ("[goroutines]\nthreshold = 3\n", "unknown goroutines setting 'threshold'"),
        ("[goroutines\n", "invalid TOML"),
    ],
)
def test_bad_settings_file(service_capture, capsys, tmp_path, monkeypatch, text, message):
    _, files, _ = service_capture
    (tmp_path / ".gotriage.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["goroutines", str(files["debug2.txt"])]) == 2
    err = capsys.readouterr().err
    assert message in err and ".gotriage.toml" in err


def test_a_service_idle_for_an_hour_still_has_one_leak(service_capture, capsys, tmp_path):
    """The real service dump with its waits stretched to 45 minutes (a test cannot wait that
    long): idle workers, the ticker loop and the signal wait stay by design; the leak is still
    the only suspect, now with long-wait evidence too. Connection goroutines keep their age: in
    a server with IdleTimeout set none can have waited that long."""
    _, files, _ = service_capture
    blocks = files["debug2.txt"].read_text().split("\n\n")
    text = "\n\n".join(
        block
        if "net/http.(*conn).serve" in block
        else re.sub(r"^(goroutine \d+ \[[^\]]+?)\]:", r"\1, 45 minutes]:", block)
        for block in blocks
    )
    aged = tmp_path / "aged.txt"
    aged.write_text(text)
    code, result = analyse_cli(capsys, str(aged))
    assert code == 1
    assert suspect_sites(result) == set(leak_marks("service").values())
    (suspect,) = result["suspects"]
    assert "long-wait" in {e["code"] for e in suspect["evidence"]}
    assert suspect["wait_minutes"] == {"min": 45, "max": 45}
