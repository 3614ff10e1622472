"""Everything taken from input is escaped in the HTML report: function names, file paths and
goroutine labels carrying markup reach the page as text, and nothing of theirs runs."""

from __future__ import annotations

import html
import re

import pytest
from tests.doctor.conftest import run_doctor
from tests.report import browser

from gotriage.report.html import charts
from gotriage.report.html.page import page

HOSTILE = (
    "<script>document.title='pwned'</script>",
    '"onload=document.title=1 x="',
    "javascript:document.title=2",
    "</style><img src=x onerror=document.title=3>",
)

DUMP = """\
goroutine profile: total 120
120 @ 0x43a5d6 0x406b1c
# labels: {{"{label}":"{value}"}}
#\t0x67fd24\tmain.{function}+0x24\t/src/{path}/main.go:48
#\t0x67fd25\tmain.main+0x25\t/src/{path}/main.go:20
"""


def _json(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    dump = out / "dump.txt"
    dump.write_text(
        DUMP.format(
            label=_json(HOSTILE[0]),
            value=_json(HOSTILE[1]),
            function="(*T).<script>alert(1)</script>",
            path='</style><svg/onload=document.title=4>/javascript:x"onload=y',
        )
    )
    report = out / "report.html"
    done = run_doctor(str(dump), "--html", str(report), "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return report


def test_no_markup_from_input_survives_as_markup(hostile_page):
    text = hostile_page.read_text()
    assert "<script" not in text
    assert "<img" not in text and "<svg/onload" not in text
    assert text.count("</style>") == 1  # the page's own
    assert not re.search(r"\sonload=", text) and not re.search(r"\sonerror=", text)
    # shown, as text: the function name, the path, the label
    assert "(*T).&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert (
        "/src/&lt;/style&gt;&lt;svg/onload=document.title=4&gt;/javascript:x&quot;onload=y" in text
    )
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in text


def test_nothing_runs_in_the_browser(hostile_page):
    parsed, console = browser.dom(hostile_page)
    assert parsed.title == "gotriage doctor"
    assert parsed.all("script") == [] and parsed.all("img") == []
    assert not [e for e in parsed.elements if any(k.startswith("on") for k in e.attrs)]
    assert not [e for e in parsed.all("a") if e.attrs.get("href", "").startswith("javascript")]
    assert console == []


@pytest.mark.parametrize("text", HOSTILE)
def test_every_chart_escapes_its_labels(text):
    drawn = "".join(
        [
            charts.bars("b", [(text, 1.0)]),
            charts.treemap("t", [(text, text, 1.0)]),
            charts.lines("l", [(text, [(0.0, 1.0), (1.0, 2.0)])]),
            charts.paired_bars("p", [(text, 1.0, 2.0, text, text)]),
        ]
    )
    if any(ch in text for ch in "<>\"'"):
        assert text not in drawn
    assert html.escape(text, quote=True) in drawn  # the full label, in data-label and titles
    assert "<script" not in drawn and "<img" not in drawn and "href" not in drawn


def test_the_page_forbids_scripts_and_remote_loads():
    shell = page("x", [])
    assert "default-src 'none'" in shell and "script-src" not in shell
    assert "http://" not in shell and "https://" not in shell
