"""Prometheus metrics of a running watch, served with ``prometheus_client``.

One registry with one custom collector that reads the watcher's current state at scrape time.
Names carry base units and counters end in ``_total``. Cardinality is bounded: per target, the
``top_sites`` largest sites get a series each and the rest are summed into ``site="other"``.
The labels of a target from its discovery file are added to each of its series, so PromQL can
sum one site across every instance of a service: ``sum by (service, site)
(gotriage_watch_site_goroutines)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gotriage.errors import UsageError
from gotriage.watch.watcher import TargetState, Watcher

OWN_LABELS = frozenset({"target", "site", "function", "kind", "by_design", "profile"})
_INVALID = re.compile(r"[^A-Za-z0-9_]")

METRICS = {
    "gotriage_watch_up": "1 when the target's last sample was fetched and read, else 0.",
    "gotriage_watch_goroutines": "Goroutines of the target in its last sample, by how they wait.",
    "gotriage_watch_site_goroutines": (
        'Goroutines blocked at one site of the target (top sites; the rest as site="other").'
    ),
    "gotriage_watch_site_growth_per_hour": (
        "Robust growth rate of the site over the trend window, in goroutines per hour."
    ),
    "gotriage_watch_alert_firing": "1 while a growth alert on the site is firing.",
    "gotriage_watch_fetch_duration_seconds": "How long the target's last sample took to fetch.",
    "gotriage_watch_samples": "Samples of the target fetched and read.",
    "gotriage_watch_fetch_errors": "Samples of the target that failed (down, slow, garbage).",
    "gotriage_watch_restarts": "Restarts of the target detected by the watch.",
}


def _label_name(name: str) -> str:
    name = _INVALID.sub("_", name)
    return f"target_{name}" if name in OWN_LABELS else name


class WatchCollector(Collector):
    def __init__(self, watcher: Watcher, top_sites: int = 20) -> None:
        self.watcher = watcher
        self.top_sites = top_sites

    def collect(self) -> Iterator[Metric]:
        with self.watcher.lock:
            states = list(self.watcher.states.values())
            extra = sorted({_label_name(k) for s in states for k in s.target.label_dict})
            yield from self._families(states, extra)

    def _families(self, states: list[TargetState], extra: list[str]) -> Iterator[Metric]:
        def gauge(name: str, labels: list[str]) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, METRICS[name], labels=["target", *labels, *extra])

        def counter(name: str) -> CounterMetricFamily:
            return CounterMetricFamily(name, METRICS[name], labels=["target", *extra])

        up = gauge("gotriage_watch_up", [])
        goroutines = gauge("gotriage_watch_goroutines", ["kind"])
        sites = gauge("gotriage_watch_site_goroutines", ["site", "function", "kind", "by_design"])
        growth = gauge("gotriage_watch_site_growth_per_hour", ["site"])
        firing = gauge("gotriage_watch_alert_firing", ["site"])
        duration = gauge("gotriage_watch_fetch_duration_seconds", ["profile"])
        samples = counter("gotriage_watch_samples")
        errors = counter("gotriage_watch_fetch_errors")
        restarts = counter("gotriage_watch_restarts")
        for state in states:
            labels = {_label_name(k): v for k, v in state.target.label_dict.items()}
            tail = [labels.get(name, "") for name in extra]
            url = state.target.url
            up.add_metric([url, *tail], 1.0 if state.up else 0.0)
            samples.add_metric([url, *tail], state.samples)
            errors.add_metric([url, *tail], state.errors)
            restarts.add_metric([url, *tail], state.restarts)
            sample = state.last_sample
            if sample is not None:
                profile = "debug=2" if sample.full else "protobuf"
                duration.add_metric([url, profile, *tail], sample.fetch_seconds)
            if sample is None or sample.error is not None:
                continue
            for kind, count in sorted(sample.kinds.items()):
                goroutines.add_metric([url, kind, *tail], count)
            ranked = sorted(sample.counts.items(), key=lambda kv: (-kv[1], kv[0]))
            other = 0
            for position, (key, count) in enumerate(ranked):
                if position >= self.top_sites:
                    other += count
                    continue
                info = state.sites[key][1] if key in state.sites else sample.sites[key]
                design = "yes" if info.by_design is not None else "no"
                sites.add_metric([url, key, info.function, info.kind, design, *tail], count)
                found = state.trends.get(key)
                if found is not None:
                    growth.add_metric([url, key, *tail], found.rate_per_hour)
                firing.add_metric([url, key, *tail], 1.0 if key in state.alerts else 0.0)
            if other:
                sites.add_metric([url, "other", "", "", "no", *tail], other)
        yield from (up, goroutines, sites, growth, firing, duration, samples, errors, restarts)


def serve(watcher: Watcher, listen: str, top_sites: int) -> tuple[object, str]:
    """Serve /metrics on ``HOST:PORT`` (port 0 picks one); returns (server, its address)."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--metrics-listen {listen}: expected HOST:PORT")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WatchCollector(watcher, top_sites))
    try:
        server, _thread = start_http_server(int(port), addr=host, registry=registry)
    except OSError as exc:
        raise UsageError(f"--metrics-listen {listen}: {exc.strerror or exc}") from None
    bound_host, bound_port = server.server_address[:2]
    name = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
    shown = f"[{name}]" if ":" in name else name
    return server, f"{shown}:{bound_port}"
