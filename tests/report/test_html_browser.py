"""The doctor page of a real run, in a real headless browser: it loads with no console message,
each chart shows its data, every in-page link has its target, and it is laid out at desktop and
phone widths (the screenshots are kept under the test's temporary directory)."""

from __future__ import annotations

import struct

import pytest
from tests.report import browser

CHARTS = ("cpu-categories", "goroutine-groups", "probe-limits", "socket-states")


@pytest.fixture(scope="module")
def loaded(broken_run):
    doc, page = broken_run
    parsed, console = browser.dom(page)
    return doc, page, parsed, console


def test_the_page_loads_with_no_console_message(loaded):
    _, _, parsed, console = loaded
    assert console == []
    assert parsed.title == "gotriage doctor"
    assert parsed.all("script") == []


@pytest.mark.parametrize("chart", CHARTS)
def test_each_chart_renders_its_data(loaded, chart):
    _, _, parsed, _ = loaded
    svg = parsed.all("svg", **{"data-chart": chart})
    assert len(svg) == 1, chart
    marks = [e for e in parsed.elements if "data-value" in e.attrs and "svg" in e.parents]
    assert marks
    assert all(float(e.attrs["data-value"]) >= 0 for e in marks)


def test_the_charts_show_what_the_analyses_found(loaded):
    doc, _, parsed, _ = loaded
    values = {
        e.attrs["data-label"]: float(e.attrs["data-value"])
        for e in parsed.elements
        if "data-label" in e.attrs
    }
    # the goroutine treemap holds the leak's site with the count the diagnosis names
    leak = next(d for d in doc["diagnoses"] if d["id"] == "goroutine-leak")
    site = next(o["location"] for o in leak["supporting"] if o["side"] == "goroutines")
    assert values.get(site, 0) >= 10
    # the probe chart has the header timeout measured against the recommended 10 s
    assert values["header-timeout recommended"] == 10
    assert values["header-timeout measured"] > 0
    # socket states: the silent clients are ESTAB
    assert values["ESTAB"] >= 60


def test_in_page_links_have_their_targets(loaded):
    doc, _, parsed, _ = loaded
    links = [e.attrs["href"] for e in parsed.all("a") if e.attrs.get("href", "").startswith("#")]
    assert len(links) >= len(doc["diagnoses"]) + 2
    assert {href[1:] for href in links} <= parsed.ids()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(
    ("name", "width", "extra"),
    [("desktop", 1280, ()), ("phone", 390, ()), ("dark", 1280, ("--force-dark-mode",))],
)
def test_screenshots_at_desktop_and_phone_widths(loaded, tmp_path_factory, name, width, extra):
    _, page, _, _ = loaded
    png = tmp_path_factory.mktemp("screens") / f"doctor-{name}.png"
    browser.screenshot(page, png, width, 2000, *extra)
    assert _png_size(png.read_bytes())[0] == width
