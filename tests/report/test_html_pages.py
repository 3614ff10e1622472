"""``--html FILE`` on goroutines, sockets, history and cpu: each command's own page, its chart
read back in the browser where there is one."""

from __future__ import annotations

from pathlib import Path

from tests.report import browser

from gotriage.cli import main
from gotriage.watch.store import SiteInfo, Store

CASES = Path(__file__).parents[1]


def _chart_values(page: Path, chart: str) -> dict[str, float]:
    parsed, console = browser.dom(page)
    assert console == []
    assert parsed.all("svg", **{"data-chart": chart}), chart
    return {e.attrs["data-label"]: float(e.attrs["data-value"]) for e in parsed.all() if
            "data-value" in e.attrs and "data-label" in e.attrs}  # fmt: skip


def test_goroutines_page(tmp_path, capsys):
    dump = tmp_path / "dump.txt"
    dump.write_text(
        "".join(
            f"goroutine {n} [chan send, 20 minutes]:\nmain.work()\n\t/src/main.go:5 +0x1d\n"
            "created by main.main in goroutine 1\n\t/src/main.go:3 +0x1d\n\n"
            for n in range(2, 14)
        )
    )
    page = tmp_path / "g.html"
    assert main(["goroutines", str(dump), "--html", str(page)]) == 1
    assert _chart_values(page, "goroutine-groups")["/src/main.go:5"] == 12


def test_sockets_page(tmp_path, capsys):
    page = tmp_path / "s.html"
    table = CASES / "sockets" / "cases" / "ss_an_netid.txt"
    main(["sockets", str(table), "--html", str(page)])
    values = _chart_values(page, "socket-states")
    assert values and all(v > 0 for v in values.values())


def test_history_page_draws_each_site_over_time(tmp_path, capsys):
    db = tmp_path / "watch.db"
    store = Store(db)
    site = SiteInfo(
        "main.go:10", "main.<b>leak</b>", "/src/main.go", 10, "chan send", "main.main", None
    )
    with store.transaction():
        target = store.target_id("http://127.0.0.1:1/debug/pprof/", {}, 1000.0)
        site_id = store.site_id(target, site)
        for i in range(6):
            counts = [(site_id, 5 + 3 * i)]
            store.add_sample(target, at=1000.0 + 60 * i, total=10 + i, fetch_seconds=0.01,
                             format="debug=2", error=None, series=1, counts=counts)  # fmt: skip
    store.close()
    page = tmp_path / "h.html"
    main(["history", str(db), "--html", str(page)])
    text = page.read_text()
    assert "<b>leak" not in text and "main.&lt;b&gt;leak&lt;/b&gt;" in text
    values = _chart_values(page, "site-growth")
    assert values["main.<b>leak</b> /src/main.go:10"] == 20


def test_cpu_page_without_a_profile_says_so(tmp_path, capsys):
    log = tmp_path / "gc.log"
    log.write_text(
        "gc 1 @0.011s 2%: 0.011+0.42+0.002 ms clock, 0.045+0.1/0.3/0.4+0.008 ms cpu, "
        "4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P\n"
    )
    page = tmp_path / "c.html"
    main(["cpu", str(log), "--html", str(page)])
    assert "No CPU profile among the sources" in page.read_text()
