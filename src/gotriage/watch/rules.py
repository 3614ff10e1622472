"""Prometheus alerting rules that express the watch's growth detection in PromQL.

``gotriage watch --print-alert-rules`` prints them, with the window and thresholds of the
options given, so a fleet can alert from Prometheus alone (the watches only export counts).
PromQL has no Theil-Sen slope; ``deriv`` (least squares over the window) plus an increase
that must also hold against the count half a window ago is the closest robust equivalent.
"""

from __future__ import annotations

from gotriage.watch.trend import TrendSettings


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def alert_rules(settings: TrendSettings) -> str:
    window = _duration(settings.window_seconds)
    half = _duration(settings.window_seconds / 2)
    rate = max(settings.min_rate_per_hour, 0.0)
    increase = settings.min_increase
    site = 'gotriage_watch_site_goroutines{by_design="no",site!="other"}'
    return f"""\
groups:
  - name: gotriage-watch
    rules:
      - alert: GoroutineSiteGrowing
        # One site of one target keeps growing: rising over the whole window, at least
        # {increase} goroutines more than a window ago and still more than half a window ago.
        expr: |
          deriv({site}[{window}]) * 3600 > {rate:g}
          and ({site} - {site} offset {window}) >= {increase}
          and ({site} - {site} offset {half}) > 0
        for: {half}
        labels:
          severity: warning
        annotations:
          summary: "{{{{ $labels.site }}}} on {{{{ $labels.target }}}} keeps growing"
          description: >-
            {{{{ $labels.function }}}} ({{{{ $labels.kind }}}}) has grown steadily for {window};
            run gotriage goroutines {{{{ $labels.target }}}} to see the stacks.
      - alert: GoroutineSiteGrowingAcrossFleet
        # The same site summed over every instance of a service (a label from discovery).
        expr: |
          sum by (service, site, function) (deriv({site}[{window}])) * 3600 > {rate:g}
          and sum by (service, site, function) ({site} - {site} offset {window})
            >= {increase * 10}
        for: {half}
        labels:
          severity: warning
        annotations:
          summary: "{{{{ $labels.site }}}} grows across service {{{{ $labels.service }}}}"
      - alert: GotriageWatchTargetDown
        expr: gotriage_watch_up == 0
        for: 5m
        labels:
          severity: info
        annotations:
          summary: "gotriage watch cannot sample {{{{ $labels.target }}}}"
"""
