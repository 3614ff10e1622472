"""Headless Debian chromium for the HTML report tests: load a page, read its DOM back, collect
its console messages, take screenshots. Skips (with the reason) when chromium is missing."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return path


def run(page: Path, *args: str, timeout: float = 120) -> tuple[str, list[str]]:
    """(stdout, console lines) of chromium on ``page`` with a new empty profile."""
    with tempfile.TemporaryDirectory(prefix="gotriage-chromium-") as profile:
        done = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def dom(page: Path) -> tuple[Dom, list[str]]:
    out, console = run(page, "--dump-dom")
    parsed = Dom()
    parsed.feed(out)
    return parsed, console


def screenshot(page: Path, png: Path, width: int, height: int = 2000, *extra: str) -> Path:
    run(page, f"--screenshot={png}", f"--window-size={width},{height}", "--hide-scrollbars", *extra)
    return png


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: tuple[str, ...] = ()


@dataclass
class Dom(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    title: str = ""
    _stack: list[Element] = field(default_factory=list)
    _in_title: bool = False

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(e.tag for e in self._stack))
        self.elements.append(element)
        self._in_title = tag == "title" and "svg" not in element.parents
        if tag not in ("meta", "link", "br", "img", "input", "hr", "line", "rect", "polyline"):
            self._stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i].tag == tag:
                del self._stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]

    def ids(self) -> set[str]:
        return {e.attrs["id"] for e in self.elements if "id" in e.attrs}
