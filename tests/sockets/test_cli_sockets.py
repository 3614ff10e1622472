"""`gotriage sockets` on saved files: exit codes, one-line errors, the text and JSON reports."""

import json
from pathlib import Path

import pytest

from gotriage.cli import main

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sockets", "/no/such/ss.txt"], "no such file"),
        (["sockets", "-", "-"], "standard input can be read only once"),
        (["sockets", str(CASES / "ss_tan_ipv6.txt"), "--samples", "2"], "several FILEs"),
        (["sockets", str(CASES / "ss_tan_ipv6.txt"), "--pid", "1"], "ss -tanp"),
        (["sockets", str(CASES / "ss_tan_ipv6.txt"), "--no-netlink"], "live reading"),
        (["sockets", "--pid", "999999999"], "no such process"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_not_a_socket_table(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<html><body>502 Bad Gateway</body></html>\n")
    assert main(["sockets", str(page)]) == 2
    assert "no socket table found" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["--port=0", "--port=70000", "--interval=fast", "--samples=0"])
def test_bad_option_values(bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sockets", bad])
    assert exit_.value.code == 2


def test_help_teaches(capsys):
    with pytest.raises(SystemExit):
        main(["sockets", "--help"])
    out = capsys.readouterr().out
    for word in (
        "sock_diag",
        "ss -tanpi",
        "--samples",
        "--goroutines",
        "server side",
        "exit codes",
    ):
        assert word in out


def test_json_report_fields(capsys):
    code = main(
        ["sockets", str(CASES / "ss_tanpi_ipv6.txt"), "--format", "json", "--close-wait", "1"]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0  # one CLOSE-WAIT, one snapshot, a second old: low, not a failure
    assert report["schema"] == "gotriage.sockets/1"
    assert report["states"] == {"LISTEN": 1, "ESTAB": 4, "FIN-WAIT-2": 1, "CLOSE-WAIT": 1}
    assert report["findings"][0]["id"] == "close-wait-pile"
    assert report["findings"][0]["severity"] == "low"
    assert set(report["sides"]) == {"server", "client", "listen"}
    port = report["ports"][0]
    assert port["backlog"] == 8 and port["processes"] == ["python3 (pid 31302)"]
    for key in (
        "upstreams",
        "remote_addresses",
        "counters",
        "limits",
        "missing",
        "notes",
        "settings",
        "parse_issues",
    ):
        assert key in report


def test_text_report_and_stdin(monkeypatch, capsys):
    import io
    import sys

    data = (CASES / "hand_shapes.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["sockets", "-", "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "9 TCP sockets from <stdin> (ss)" in out and "no finding" in out
    assert "Server ports" in out


def test_findings_exit_1_from_a_file(tmp_path, capsys):
    rows = [
        "State Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
        "LISTEN 129 128 0.0.0.0:8080 0.0.0.0:*",
    ]
    saved = tmp_path / "ss.txt"
    saved.write_text("\n".join(rows) + "\n")
    assert main(["sockets", str(saved), "--color", "never"]) == 1
    out = capsys.readouterr().out
    assert "accept-queue-overflow" in out and "fix:" in out
