"""What `gotriage watch` prints as it runs: one line per event, text or JSON (``jsonl``).

JSON lines carry ``schema: gotriage.watch.event/1``, ``event`` (firing, resolved, restart,
error, recovered), ``time``, ``target``, ``message`` and, for alerts, ``alert``.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

from gotriage.watch.alerts import iso
from gotriage.watch.watcher import Event

_STYLE = {
    "firing": "bold red",
    "resolved": "green",
    "restart": "yellow",
    "error": "yellow",
    "recovered": "green",
}


def event_dict(event: Event) -> dict[str, object]:
    out: dict[str, object] = {
        "schema": "gotriage.watch.event/1",
        "event": event.kind,
        "time": iso(event.at),
        "target": event.target,
        "message": event.message,
    }
    if event.alert is not None:
        out["alert"] = event.alert.as_dict()
    return out


def render_event(event: Event, console: Console, *, jsonl: bool) -> None:
    if jsonl:
        console.file.write(json.dumps(event_dict(event), sort_keys=True) + "\n")
        console.file.flush()
        return
    style = _STYLE.get(event.kind, "")
    line = (
        f"{iso(event.at)} [{style}]{event.kind.upper():9}[/] {escape(event.target)} "
        f"{escape(event.message)}"
    )
    if event.kind == "firing" and event.alert is not None:
        line += f"\n    fix: {escape(event.alert.fix)}"
    console.print(line)
    console.file.flush()
