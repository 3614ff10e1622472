"""FILE arguments are told apart by their content, whatever their names."""

from __future__ import annotations

import contextlib
import gzip
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotriage.doctor.gather import kind_of_file
from gotriage.errors import InputError

TRACEBACK = "goroutine 1 [chan send]:\nmain.main()\n\t/src/main.go:5 +0x1d\n"
DEBUG1 = "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x1\t/src/main.go:5\n"
SS = (
    "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
    "ESTAB 0 0 127.0.0.1:80 127.0.0.1:5000\n"
)
GCTRACE = (
    "gc 1 @0.011s 2%: 0.011+0.42+0.002 ms clock, 0.045+0.1/0.3/0.4+0.008 ms cpu, "
    "4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P\n"
)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("a.log", TRACEBACK, "goroutines"),
        ("b.txt", DEBUG1, "goroutines"),
        ("c.dat", SS, "sockets"),
        ("d.out", GCTRACE, "cpu"),
        ("e.trace", "go 1.22 trace\x00\x00\x00", "cpu"),
    ],
)
def test_kind_by_content(tmp_path, name, data, kind):
    path = tmp_path / name
    path.write_bytes(data.encode("latin-1"))
    assert kind_of_file(str(path)) == kind


def test_a_watch_database(tmp_path):
    path = tmp_path / "watch.bin"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    assert kind_of_file(str(path)) == "history"


def test_a_gzipped_goroutine_profile_is_not_a_cpu_profile(tmp_path):
    path = tmp_path / "g.pb.gz"
    path.write_bytes(gzip.compress(b"\x0a\x04\x08\x01\x10\x02"))
    assert kind_of_file(str(path)) == "goroutines"


@pytest.mark.parametrize("data", [b"", b"hello world\n", b"\x00\x01\x02"[:0] + b"just text"])
def test_unrecognised_files_are_input_errors(tmp_path, data):
    path = tmp_path / "x"
    path.write_bytes(data)
    with pytest.raises(InputError):
        kind_of_file(str(path))


def test_doctor_refuses_an_unrecognised_file_with_exit_2(tmp_path):
    from tests.doctor.conftest import run_doctor

    path = tmp_path / "notes.txt"
    path.write_text("nothing to see\n")
    done = run_doctor(str(path))
    assert done.returncode == 2 and "not recognised" in done.stderr
    assert "Traceback" not in done.stderr


def test_doctor_over_a_dump_file_says_what_is_missing(tmp_path):
    from tests.doctor.conftest import run_doctor

    path = tmp_path / "dump.txt"
    path.write_text(
        "goroutine 7 [chan send, 20 minutes]:\nmain.work()\n\t/src/main.go:5 +0x1d\n"
        "created by main.main in goroutine 1\n\t/src/main.go:3 +0x1d\n\n"
    )
    done = run_doctor(str(path), "--format", "markdown")
    assert done.returncode == 1, done.stderr
    assert "goroutines leak" in done.stdout
    assert "static half of the diagnosis is missing" in done.stdout


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2048))
def test_any_bytes_are_a_kind_or_an_input_error(tmp_path, data):
    path = tmp_path / "any"
    path.write_bytes(data)
    with contextlib.suppress(InputError):
        assert kind_of_file(str(path)) in ("goroutines", "cpu", "sockets", "history")
