"""The watch loop: sample every target each interval, store, detect growth, raise alerts.

Fetches run concurrently across targets (a thread each, every request bounded by its timeout);
storing, trend detection and alerting run on the calling thread, one transaction per round.
Nothing here prints: what happens is handed to ``on_event`` as :class:`Event` data.

A target's costly full dump (``debug=2``) is taken every ``full_every`` rounds, and sooner when
a site grows or the total drops (a possible restart), but never more often than the target can
afford: after a full dump that took ``d`` seconds the next one waits at least ``d / budget``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gotriage.goroutines.suspects import Settings
from gotriage.knowledge.patterns import PATTERN_BY_KIND, pattern_for
from gotriage.knowledge.wait_reasons import Kind
from gotriage.watch import trend as trends
from gotriage.watch.alerts import Alert, Sender
from gotriage.watch.sample import Sample, take
from gotriage.watch.store import SiteInfo, Store
from gotriage.watch.targets import Target

FETCH_THREADS = 32  # samples fetched at once, across targets


@dataclass(frozen=True)
class WatchSettings:
    interval: float = 30.0
    full_every: int = 10
    timeout: float = 10.0
    max_bytes: int = 64 << 20
    full_dump_budget: float = 0.002
    retention: float = 14 * 86400.0
    downsample_after: float = 86400.0
    downsample_bucket: float = 600.0
    trend: trends.TrendSettings = field(default_factory=trends.TrendSettings)
    goroutines: Settings = field(default_factory=Settings)


@dataclass
class Event:
    kind: str  # firing, resolved, restart, error, recovered
    at: float
    target: str
    message: str
    alert: Alert | None = None


@dataclass
class TargetState:
    target: Target
    target_id: int
    series: int
    history: deque[tuple[float, dict[str, int]]] = field(default_factory=deque)
    sites: dict[str, tuple[int, SiteInfo]] = field(default_factory=dict)
    alerts: dict[str, tuple[int, Alert]] = field(default_factory=dict)
    trends: dict[str, trends.Trend] = field(default_factory=dict)
    last_full: float = float("-inf")  # monotonic
    full_cost: float = 0.0
    rounds_since_full: int = 1 << 30
    want_full: bool = False
    check_restart: bool = False  # back after being unreachable: the next dump is a full one
    refused: bool = False  # a connection was refused while down: nothing was listening
    max_id: int | None = None
    last_total: int | None = None
    failures: int = 0
    next_attempt: float = 0.0
    samples: int = 0
    errors: int = 0
    restarts: int = 0
    up: bool = False
    last_sample: Sample | None = None
    leaked: dict[str, int] = field(default_factory=dict)  # runtime's verdict, last full dump
    leak_profile: str = "not collected yet"


class Watcher:
    def __init__(
        self,
        store: Store,
        settings: WatchSettings,
        *,
        on_event: Callable[[Event], None],
        senders: Sequence[Sender] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.on_event = on_event
        self.senders = list(senders)
        self.clock = clock
        self.states: dict[str, TargetState] = {}
        self.lock = threading.Lock()  # guards states for the metrics exporter
        self.rounds = 0
        self._last_prune = 0.0
        self._last_resend = time.monotonic()
        # One pool for the life of the watch: its threads are started as rounds need them,
        # once, not every interval.
        self._pool = ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="gotriage-fetch")

    # --- targets ---------------------------------------------------------------------------

    def set_targets(self, targets: Sequence[Target]) -> None:
        now = self.clock()
        with self.lock, self.store.transaction():
            wanted = {t.url: t for t in targets}
            for url in list(self.states):
                if url not in wanted:
                    del self.states[url]
            for url, target in wanted.items():
                state = self.states.get(url)
                if state is not None:
                    state.target = target
                    self.store.target_id(url, target.label_dict, now)
                    continue
                self.states[url] = self._resume(target, now)

    def _resume(self, target: Target, now: float) -> TargetState:
        """A target's state, continued from the history an earlier watch left in the DB."""
        store = self.store
        target_id = store.target_id(target.url, target.label_dict, now)
        state = TargetState(target, target_id, store.last_series(target_id))
        by_id: dict[int, str] = {}
        for site_id, info in store.sites_of(target_id):
            state.sites[info.key] = (site_id, info)
            by_id[site_id] = info.key
        window = self.settings.trend.window_seconds
        for at, counts in store.recent_counts(target_id, now - window, state.series):
            state.history.append((at, {by_id[s]: c for s, c in counts.items() if s in by_id}))
        for site_id, (alert_id, started) in store.open_alerts(target_id).items():
            key = by_id.get(site_id)
            if key is not None:
                state.alerts[key] = (alert_id, self._alert(state, key, started, {}))
        return state

    # --- one round -------------------------------------------------------------------------

    def due(self) -> list[TargetState]:
        now = time.monotonic()
        return [s for s in self.states.values() if s.next_attempt <= now]

    def round(self) -> int:
        """Sample every due target once; returns how many were sampled."""
        due = self.due()
        if not due:
            return 0
        plans = [(state, self._wants_full(state)) for state in due]
        settings = self.settings
        samples = list(
            self._pool.map(
                lambda plan: take(
                    plan[0].target.url,
                    full=plan[1],
                    settings=settings.goroutines,
                    timeout=settings.timeout,
                    max_bytes=settings.max_bytes,
                    leak_profile=True,
                    clock=self.clock,
                ),
                plans,
            )
        )
        events: list[Event] = []
        with self.lock, self.store.transaction():
            for (state, _), sample in zip(plans, samples, strict=True):
                events.extend(self._record(state, sample))
        self.rounds += 1
        for event in events:
            self.on_event(event)
            if event.alert is not None:
                for sender in self.senders:
                    sender.send(event.alert)
        self._housekeeping()
        return len(plans)

    def _wants_full(self, state: TargetState) -> bool:
        settings = self.settings
        if state.check_restart:
            return True  # once, whatever the budget: its goroutine ids tell a new process
        if not (state.want_full or state.rounds_since_full + 1 >= settings.full_every):
            return False
        waited = time.monotonic() - state.last_full
        return waited >= state.full_cost / max(settings.full_dump_budget, 1e-6)

    def _record(self, state: TargetState, sample: Sample) -> list[Event]:
        store = self.store
        events: list[Event] = []
        url = state.target.url
        store.target_id(url, state.target.label_dict, sample.at)
        state.last_sample = sample
        if sample.error is not None:
            state.failures += 1
            state.refused |= "refused" in sample.error.lower()
            state.errors += 1
            state.up = False
            # Doubling from the interval, up to ten intervals (at most 5 minutes).
            cap = min(300.0, 10 * self.settings.interval)
            backoff = min(self.settings.interval * 2 ** min(state.failures - 1, 16), cap)
            state.next_attempt = time.monotonic() + max(self.settings.interval, backoff)
            store.add_sample(
                state.target_id,
                at=sample.at,
                total=None,
                fetch_seconds=sample.fetch_seconds,
                format="debug=2" if sample.full else "protobuf",
                error=sample.error,
                series=state.series,
            )
            if state.failures == 1:
                events.append(Event("error", sample.at, url, sample.error))
            return events
        was_down = state.failures > 0
        state.failures = 0
        state.up = True
        state.samples += 1
        state.next_attempt = time.monotonic() + self.settings.interval
        if was_down:
            events.append(Event("recovered", sample.at, url, "answering again"))
            state.check_restart = not sample.full
        elif sample.full:
            state.check_restart = False
        restart = self._restart_reason(state, sample, was_down)
        state.refused = False
        if restart:
            events.extend(self._restart(state, sample.at, restart))
        if sample.full:
            state.last_full = time.monotonic()
            state.full_cost = sample.fetch_seconds
            state.rounds_since_full = 0
            state.want_full = False
            if sample.max_goroutine_id is not None:
                state.max_id = sample.max_goroutine_id
            state.leaked = dict(sample.leaked)
            state.leak_profile = sample.leak_profile
        else:
            state.rounds_since_full += 1
        last = state.last_total
        if not sample.full and last and sample.total < last / 2 and last >= 10:
            state.want_full = True  # a big drop: the ids of a full dump tell a restart
        state.last_total = sample.total
        counts = []
        for key, count in sample.counts.items():
            site_id = self._site_id(state, sample.sites[key], sample.full)
            counts.append((site_id, count))
        store.add_sample(
            state.target_id,
            at=sample.at,
            total=sample.total,
            fetch_seconds=sample.fetch_seconds,
            format="debug=2" if sample.full else "protobuf",
            error=None,
            series=state.series,
            counts=counts,
        )
        state.history.append((sample.at, dict(sample.counts)))
        horizon = sample.at - self.settings.trend.window_seconds
        while state.history and state.history[0][0] < horizon:
            state.history.popleft()
        events.extend(self._detect(state, sample.at))
        return events

    def _site_id(self, state: TargetState, info: SiteInfo, full: bool) -> int:
        known = state.sites.get(info.key)
        if known is not None and known[1] == info:
            return known[0]
        if known is not None and not full:
            # Protobuf knows less than debug=2: keep the richer description, but follow
            # by-design recognition of the current analysis.
            old = known[1]
            info = SiteInfo(
                info.key,
                info.function or old.function,
                info.file or old.file,
                info.line or old.line,
                old.kind or info.kind,
                old.creator or info.creator,
                info.by_design,
            )
        site_id = self.store.site_id(state.target_id, info)
        state.sites[info.key] = (site_id, info)
        return site_id

    def _restart_reason(self, state: TargetState, sample: Sample, was_down: bool) -> str:
        if (
            sample.full
            and sample.max_goroutine_id is not None
            and state.max_id is not None
            and sample.max_goroutine_id < state.max_id
        ):
            return (
                f"goroutine ids went back from {state.max_id} to {sample.max_goroutine_id}"
                " (a new process)"
            )
        if was_down and state.refused:
            return "refused connections (nothing listening), then answered again"
        if was_down and state.last_total is not None and sample.total < state.last_total:
            return f"unreachable, then back with {sample.total} goroutines (was {state.last_total})"
        return ""

    def _restart(self, state: TargetState, at: float, reason: str) -> list[Event]:
        events = [Event("restart", at, state.target.url, reason)]
        for key, (alert_id, alert) in list(state.alerts.items()):
            events.append(self._resolve(state, key, alert_id, alert, at, "the target restarted"))
        state.series += 1
        state.restarts += 1
        state.history.clear()
        state.trends.clear()
        state.max_id = None
        state.last_total = None
        self.store.add_restart(state.target_id, at, reason)
        return events

    # --- detection -------------------------------------------------------------------------

    def _detect(self, state: TargetState, at: float) -> list[Event]:
        events: list[Event] = []
        keys = {key for _, counts in state.history for key in counts}
        state.trends = {}
        for key in keys:
            info = state.sites.get(key)
            if info is None or info[1].by_design is not None:
                continue
            points = [(t, counts.get(key, 0)) for t, counts in state.history]
            found = trends.assess(points, self.settings.trend)
            state.trends[key] = found
            open_alert = state.alerts.get(key)
            if found.growing:
                state.want_full = True
                evidence = found.as_evidence()
                evidence["window_seconds"] = self.settings.trend.window_seconds
                if state.leak_profile.startswith("collected"):
                    evidence["marked_leaked_by_runtime"] = state.leaked.get(key, 0)
                if open_alert is None:
                    alert_id = self.store.open_alert(state.target_id, info[0], at, evidence)
                    alert = self._alert(state, key, at, evidence)
                    state.alerts[key] = (alert_id, alert)
                    events.append(Event("firing", at, state.target.url, _summary(alert), alert))
                else:
                    alert_id, alert = open_alert
                    alert.evidence = evidence
                    self.store.update_alert(alert_id, evidence)
            elif open_alert is not None:
                # Hysteresis: a growing site that misses one test stays open; it resolves
                # once it has drained, or stopped rising through the window.
                why = ""
                if found.last <= found.first:
                    why = "drained"
                elif found.rate_per_hour <= 0 or found.thirds[2] <= found.thirds[1]:
                    why = "stopped growing"
                if why:
                    alert_id, alert = open_alert
                    events.append(self._resolve(state, key, alert_id, alert, at, why))
        # Sites gone from every sample of the window resolve too.
        for key, (alert_id, alert) in list(state.alerts.items()):
            if key not in keys:
                events.append(self._resolve(state, key, alert_id, alert, at, "drained"))
        return events

    def _alert(self, state: TargetState, key: str, at: float, evidence: dict) -> Alert:
        info = state.sites[key][1]
        try:
            kind = Kind(info.kind)
        except ValueError:
            kind = Kind.UNKNOWN
        # Connection goroutines that keep growing are held by clients: a server without timeouts.
        name = "server-without-timeouts" if kind is Kind.NETWORK_IO else None
        pattern = pattern_for(name or PATTERN_BY_KIND.get(kind, "unknown"))
        where = f"{info.file}:{info.line}" if info.file else key
        return Alert(
            target=state.target.url,
            labels=state.target.label_dict,
            site=where,
            function=info.function,
            kind=info.kind,
            creator=info.creator,
            started=at,
            evidence=evidence,
            title=pattern.title,
            explanation=pattern.explanation,
            fix=pattern.fix,
        )

    def _resolve(
        self, state: TargetState, key: str, alert_id: int, alert: Alert, at: float, why: str
    ) -> Event:
        del state.alerts[key]
        alert.ended = at
        alert.resolved_because = why
        self.store.close_alert(alert_id, at, why)
        return Event("resolved", at, state.target.url, f"{alert.site}: {why}", alert)

    # --- housekeeping ----------------------------------------------------------------------

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if self.senders and now - self._last_resend >= min(s.resend_seconds for s in self.senders):
            self._last_resend = now
            for state in self.states.values():
                for _, alert in state.alerts.values():
                    for sender in self.senders:
                        if sender.kind == "alertmanager":
                            sender.send(alert)
        if now - self._last_prune >= 3600:
            self._last_prune = now
            settings = self.settings
            with self.store.transaction():
                self.store.prune(
                    self.clock(),
                    retention=settings.retention,
                    downsample_after=settings.downsample_after,
                    bucket=settings.downsample_bucket,
                )

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for sender in self.senders:
            sender.close()


def _summary(alert: Alert) -> str:
    e = alert.evidence
    where = alert.site + (f" ({alert.function})" if alert.function else "")
    return (
        f"{where} [{alert.kind}] grew {e.get('first')} -> {e.get('last')} goroutines "
        f"over {e.get('span_seconds')}s, {e.get('rate_per_hour')}/h"
    )
