"""Source lines for blocking sites: only .go files, found under --source-root by suffix."""

from __future__ import annotations

from pathlib import Path

from gotriage.goroutines.source import SourceLookup


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_recorded_path_and_suffix_under_a_root(tmp_path: Path):
    main = write(tmp_path / "src" / "app" / "internal" / "main.go", "package main\nfunc f() {}\n")
    assert SourceLookup().line(str(main), 2) == "func f() {}"
    lookup = SourceLookup((tmp_path / "src",))
    assert lookup.line("/build/src/app/internal/main.go", 1) == "package main"
    assert lookup.context("/build/app/internal/main.go", 2, around=1) == [
        (1, "package main"),
        (2, "func f() {}"),
    ]


def test_only_go_files(tmp_path: Path):
    secret = write(tmp_path / ".aws" / "credentials", "aws_secret_access_key = x\n")
    write(tmp_path / "notes.txt", "secret\n")
    lookup = SourceLookup((tmp_path,))
    assert lookup.line(str(secret), 1) is None
    assert lookup.line("/elsewhere/notes.txt", 1) is None
    link = tmp_path / "looks.go"
    link.symlink_to(secret)
    assert lookup.line(str(link), 1) is None  # a .go name pointing at another file


def test_deep_path_costs_its_length(tmp_path: Path):
    write(tmp_path / "d" / "main.go", "package main\n")
    deep = "/" + "/".join(["x"] * 20_000) + "/d/main.go"
    lookup = SourceLookup((tmp_path,))
    assert lookup.line(deep, 1) == "package main"
    assert sum(1 for _ in lookup._candidates(deep)) <= 65


def test_parent_components_do_not_leave_the_root(tmp_path: Path):
    root = tmp_path / "root"
    under_root = list(SourceLookup((root,))._candidates("/a/../../x.go"))[1:]
    assert under_root and all(".." not in c.parts for c in under_root)
