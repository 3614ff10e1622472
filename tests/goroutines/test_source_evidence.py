"""Static findings at a blocking site, from Go source on disk (hand-written, as a user's)."""

from pathlib import Path

import pytest

from gotriage.goroutines.group import group_goroutines
from gotriage.goroutines.source import SourceLookup
from gotriage.goroutines.source_evidence import SourceEvidence
from gotriage.model import Frame, Goroutine

SOURCE = """\
package main

import "sync"

var mu sync.Mutex
var n int

func update(fail bool) {
	mu.Lock()
	if fail {
		return
	}
	n++
	mu.Unlock()
}

func other() {
	mu.Lock()
	mu.Unlock()
}
"""


def _group(file: str, line: int, function: str):
    frames = (Frame("sync.(*Mutex).Lock"), Frame(function, file, line))
    (group,) = group_goroutines([Goroutine(1, "sync.Mutex.Lock", frames)]).groups.values()
    return group


@pytest.fixture
def main_go(tmp_path: Path) -> Path:
    path = tmp_path / "main.go"
    path.write_text(SOURCE)
    return path


def test_a_finding_in_the_blocking_function_is_evidence(main_go):
    (evidence,) = SourceEvidence(SourceLookup())(_group(str(main_go), 9, "main.update"))
    assert evidence.code == "static-finding" and evidence.rule == "GT205"
    assert "at line 11, in the same function" in evidence.text


@pytest.mark.parametrize(
    ("file", "line"),
    [
        ("main.go", 18),  # another function of the same file
        ("/nowhere/main.go", 9),  # source not on this machine
        ("notes.txt", 9),  # only Go files are read
    ],
)
def test_no_evidence_elsewhere(main_go, file, line):
    path = str(main_go.parent / file) if not file.startswith("/") else file
    if file.endswith(".txt"):
        (main_go.parent / file).write_text(SOURCE)
    assert SourceEvidence(SourceLookup())(_group(path, line, "main.other")) == []


def test_found_under_a_source_root(main_go):
    lookup = SourceLookup((main_go.parent,))
    (evidence,) = SourceEvidence(lookup)(_group("/build/src/app/main.go", 9, "main.update"))
    assert evidence.rule == "GT205"
