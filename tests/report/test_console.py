"""The guard around standard output (report.console.guarded_stdout)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from gotriage.cli import main
from gotriage.report.console import ReportWriteError, guarded_stdout

CASES = Path(__file__).parents[1] / "goroutines" / "cases"


class _Full(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


def test_guard_turns_a_failed_write_into_an_error(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Full())
    with pytest.raises(ReportWriteError, match="No space left"), guarded_stdout():
        print("report")


def test_guard_keeps_a_broken_pipe(monkeypatch):
    class _Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", _Closed())
    with pytest.raises(BrokenPipeError), guarded_stdout():
        print("report")


def test_in_process_command_writes_normally(capsys):
    assert main(["goroutines", str(sorted(CASES.glob("*.txt"))[0])]) in (0, 1)
    assert capsys.readouterr().out
