"""The metrics a watch exports: names, labels, and the cap on per-site series."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from gotriage.watch.exporter import WatchCollector
from gotriage.watch.sample import Sample
from gotriage.watch.store import SiteInfo, Store
from gotriage.watch.targets import Target
from gotriage.watch.watcher import Watcher, WatchSettings


def test_top_sites_then_other_and_target_labels(tmp_path):
    store = Store(tmp_path / "w.db")
    watcher = Watcher(store, WatchSettings(), on_event=lambda e: None)
    target = Target("http://t/debug/pprof/", (("service", "shop"), ("site", "clash")))
    watcher.set_targets([target])
    sample = Sample(target.url, 1.0, False, total=60)
    for n in range(25):
        key = f"main.go:{n}"
        sample.counts[key] = n + 1
        design = "worker pool" if n == 0 else None
        sample.sites[key] = SiteInfo(key, f"main.f{n}", "main.go", n, "chan send", "", design)
    sample.kinds = {"chan send": 60}
    with store.transaction():
        watcher._record(watcher.states[target.url], sample)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WatchCollector(watcher, top_sites=5))
    text = generate_latest(registry).decode()
    site_lines = [
        line for line in text.splitlines() if line.startswith("gotriage_watch_site_goroutines{")
    ]
    assert len(site_lines) == 6  # five sites and "other"
    other = [line for line in site_lines if 'site="other"' in line]
    assert other and other[0].endswith(" " + str(float(sum(range(1, 21)))))
    # A discovery label that clashes with one of the watch's own is renamed, not lost.
    assert 'service="shop"' in text and 'target_site="clash"' in text
    assert "gotriage_watch_up{" in text and "gotriage_watch_samples_total{" in text
    watcher.close()
    store.close()
