"""Alerts as data, and the senders that hand them on: Alertmanager's v2 API or a webhook.

An :class:`Alert` is one growing site of one target, with its evidence. Senders run on a
thread of their own with a queue, so a slow receiver never delays sampling; each POST has a
bounded timeout and is retried a few times with backoff. Alertmanager forgets a firing alert
that is not sent again, so firing alerts are re-sent every ``resend_seconds``.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

ALERT_NAME = "GoroutineSiteGrowing"
POST_TIMEOUT = 5.0
RETRIES = 3


@dataclass
class Alert:
    target: str
    labels: dict[str, str]
    site: str
    function: str
    kind: str
    creator: str
    started: float
    evidence: dict[str, object]
    title: str
    explanation: str
    fix: str
    ended: float | None = None
    resolved_because: str = ""

    @property
    def status(self) -> str:
        return "resolved" if self.ended is not None else "firing"

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "target": self.target,
            "labels": self.labels,
            "site": self.site,
            "function": self.function,
            "kind": self.kind,
            "creator": self.creator,
            "started": iso(self.started),
            "ended": iso(self.ended) if self.ended is not None else None,
            "resolved_because": self.resolved_because or None,
            "evidence": self.evidence,
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix,
        }


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def alertmanager_payload(alert: Alert) -> list[dict[str, object]]:
    """The body of ``POST /api/v2/alerts`` for one alert (a list of postable alerts)."""
    labels = {
        "alertname": ALERT_NAME,
        **{k: v for k, v in alert.labels.items() if k not in {"alertname"}},
        "target": alert.target,
        "site": alert.site,
        "function": alert.function,
        "kind": alert.kind,
        "severity": "warning",
    }
    evidence = alert.evidence
    summary = (
        f"{alert.site} on {alert.target}: {evidence.get('first')} -> {evidence.get('last')} "
        f"goroutines, {evidence.get('rate_per_hour')}/h"
    )
    body: dict[str, object] = {
        "labels": {k: str(v) for k, v in labels.items() if v != ""},
        "annotations": {
            "summary": summary,
            "description": f"{alert.title}. {alert.explanation}",
            "fix": alert.fix,
            "evidence": json.dumps(evidence, sort_keys=True),
        },
        "startsAt": iso(alert.started),
        "generatorURL": alert.target,
    }
    if alert.ended is not None:
        body["endsAt"] = iso(alert.ended)
    return [body]


def webhook_payload(alert: Alert) -> dict[str, object]:
    return {"version": "gotriage.watch.alert/1", **alert.as_dict()}


@dataclass
class Sender:
    """Posts alerts on a thread of its own. ``kind`` is ``alertmanager`` or ``webhook``."""

    url: str
    kind: str
    resend_seconds: float = 60.0
    failures: int = 0
    sent: int = 0
    errors: list[str] = field(default_factory=list)
    _queue: queue.Queue[Alert | None] = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        if self.kind == "alertmanager":
            self.url = self.url.rstrip("/")
            if not self.url.endswith("/api/v2/alerts"):
                self.url += "/api/v2/alerts"
        self._thread = threading.Thread(target=self._run, name=f"gotriage-{self.kind}")
        self._thread.daemon = True
        self._thread.start()

    def send(self, alert: Alert) -> None:
        self._queue.put(alert)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued (within ``timeout``), then stop."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        with httpx.Client(timeout=POST_TIMEOUT, follow_redirects=False) as client:
            while True:
                alert = self._queue.get()
                if alert is None:
                    return
                body = (
                    alertmanager_payload(alert)
                    if self.kind == "alertmanager"
                    else webhook_payload(alert)
                )
                self._post(client, body)

    def _post(self, client: httpx.Client, body: object) -> None:
        delay = 0.5
        for attempt in range(1, RETRIES + 1):
            try:
                response = client.post(self.url, json=body)
                if response.status_code < 300:
                    self.sent += 1
                    return
                problem = f"{self.url} answered {response.status_code}"
            except httpx.HTTPError as exc:
                problem = f"{self.url}: {exc or type(exc).__name__}"
            if attempt < RETRIES:
                time.sleep(delay)
                delay *= 2
        self.failures += 1
        with contextlib.suppress(Exception):
            self.errors.append(problem)
            del self.errors[:-20]
