"""`gotriage probe` on the command line: usage errors, refusals and unreachable targets exit 2."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from gotriage.cli import main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://192.0.2.1/"], "not a loopback address"),
        (["http://127.0.0.1:1/", "--require", "header-timeout<=soon"], "not a duration"),
        (["http://127.0.0.1:1/", "--require", "header-timeout"], "malformed requirement"),
        (["http://127.0.0.1:1/", "--only", "header-timeout,latency"], "unknown measurement"),
        (
            ["http://127.0.0.1:1/", "--only", "idle-timeout", "--require", "max-body<=1MiB"],
            "--only leaves out max-body",
        ),
        (["ftp://127.0.0.1/"], "http:// or https://"),
        (["http://127.0.0.1:0/"], "port 0"),
    ],
)
def test_usage_errors_exit_2(capsys, args, message):
    assert main(["probe", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--max-wait", "forever"],
        ["--max-wait", "0s"],
        ["--max-body", "lots"],
        ["--max-header", "0"],
        ["--max-connections", "0"],
        ["--body-path", "upload"],
        ["--format", "xml"],
    ],
)
def test_bad_option_values_exit_2(capsys, args):
    with pytest.raises(SystemExit) as exc:
        main(["probe", "http://127.0.0.1:1/", *args])
    assert exc.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def test_unreachable_target_exits_2(capsys):
    url = f"http://127.0.0.1:{free_port()}/"
    assert main(["probe", url, "--max-wait", "1s"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect: connection refused" in err


@pytest.mark.parametrize(
    ("scheme", "message"),
    [
        ("https", "use --insecure"),  # a self-signed certificate
        ("http", "the server speaks https; use https://"),
    ],
)
def test_tls_server_mistakes_exit_2(capsys, go_program, scheme, message):
    with go_program("probeserver", "-tls", "-lifetime=30s") as server:
        url = scheme + "://" + server.url("app").removeprefix("https://")
        assert main(["probe", url, "--only", "header-timeout"]) == 2
    assert message in capsys.readouterr().err


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["probe", "--help"])
    out = capsys.readouterr().out
    for words in ("--confirm-owned", "--require", "exit codes", "header-timeout"):
        assert words in out


def test_only_and_require_end_to_end(capsys, go_program):
    with go_program("probeserver", "-read-header-timeout=0.5s", "-lifetime=30s") as server:
        code = main(
            [
                "probe",
                server.url("app"),
                "--only",
                "header-timeout,max-header",
                "--require",
                "header-timeout<=1s",
                "--require",
                "max-header<=1MiB",
                "--max-wait",
                "2s",
                "--color",
                "never",
            ]
        )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "header timeout" in out and "largest header accepted" in out
    assert "idle keep-alive" not in out
    assert out.count("met ") == 2


@contextlib.contextmanager
def raw_server(reply: bytes) -> Iterator[int]:
    """A listener on 127.0.0.1 that answers every connection with ``reply`` and closes."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        stop = threading.Event()

        def answer() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                with conn:
                    conn.settimeout(5)
                    with contextlib.suppress(OSError):
                        conn.recv(1024)
                        conn.sendall(reply)

        thread = threading.Thread(target=answer)
        thread.start()
        try:
            yield listener.getsockname()[1]
        finally:
            stop.set()
            thread.join(timeout=10)


TLS_ALERT = bytes.fromhex("15030100020246")  # a TLS 1.0 record: fatal alert, protocol_version


@pytest.mark.parametrize(
    ("reply", "https_hint"),
    [(b"SSH-2.0-OpenSSH_9.6\r\n", False), (TLS_ALERT, True)],
)
def test_a_server_that_is_not_http(capsys, reply, https_hint):
    with raw_server(reply) as port:
        assert main(["probe", f"http://127.0.0.1:{port}/", "--max-wait", "1s"]) == 2
    err = capsys.readouterr().err
    assert "is not HTTP/1.1" in err
    # the https hint only when the reply is a TLS record
    assert ("an https server probed with http://" in err) is https_hint
    assert "Traceback" not in err


def test_paths_the_request_line_cannot_carry_are_percent_encoded(capsys, go_program):
    with go_program("probeserver", "-idle-timeout=0.3s", "-lifetime=30s") as server:
        url = server.url("app") + "€uro/a b?q=é"
        code = main(
            [
                "probe",
                url,
                "--only",
                "idle-timeout,max-body",
                "--body-path",
                "/body?name=é x",
                "--max-body",
                "64KiB",
                "--max-wait",
                "2s",
                "--format",
                "json",
            ]
        )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    idle, body = json.loads(captured.out)["measurements"]
    assert idle["status"] == "measured"
    assert abs(idle["value"] - 0.3) <= 0.1 + 0.05 * 0.3 + idle["precision"]
    assert body["status"] == "none"
    assert code == 0


def test_a_connection_cap_that_slow_clients_fill_is_bad(capsys, go_program):
    with go_program("probeserver", "-max-conns=8", "-lifetime=30s") as server:
        code = main(
            [
                "probe",
                server.url("app"),
                "--only",
                "connections",
                "--max-connections",
                "16",
                "--format",
                "json",
            ]
        )
    document = json.loads(capsys.readouterr().out)
    (connections,) = document["measurements"]
    assert connections["outcome"] == "not served"
    assert connections["verdict"] == "bad"
    assert "ReadHeaderTimeout" in connections["fix"]
    assert code == 1


def test_a_handler_deadline_answers_503(capsys, go_program):
    with go_program("probeserver", "-handler-timeout=0.7s", "-lifetime=30s") as server:
        main(
            [
                "probe",
                server.url("app"),
                "--only",
                "write-timeout",
                "--slow-path",
                "/slow",
                "--max-wait",
                "3s",
                "--format",
                "json",
            ]
        )
    (write,) = json.loads(capsys.readouterr().out)["measurements"]
    assert write["outcome"] == "503"
    assert abs(write["value"] - 0.7) <= 0.1 + 0.05 * 0.7
