"""Join the socket findings with the goroutine analysis of the same process: each finding gets
the goroutines that hold the same connections ("200 ESTABLISHED server connections with no
data for 90 s, 200 connection goroutines reading a request"), which says what to fix. No I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from gotriage.goroutines.analyse import Analysis
from gotriage.goroutines.classify import ACCEPT_LOOP, PHASE_HANDLER, PHASE_IDLE, PHASE_READING
from gotriage.goroutines.suspects import Suspect
from gotriage.sockets.analyse import SocketFinding, SocketsAnalysis

CLIENT_READ_LOOP = "net/http.(*persistConn).readLoop"


@dataclass
class GoroutineView:
    source: str
    total: int
    phases: Counter[str]
    client_connections: int
    handler_sites: list[tuple[str, int]]
    package_level_serve: bool
    suspects: list[str]


def view(analysis: Analysis) -> GoroutineView:
    phases: Counter[str] = Counter()
    client = 0
    sites: Counter[str] = Counter()
    package_level = False
    for group in analysis.grouping.groups.values():
        if group.http_phase:
            phases[group.http_phase] += group.count
            if group.http_phase == PHASE_HANDLER and group.site is not None:
                sites[group.site.location] += group.count
        if any(f.function == CLIENT_READ_LOOP for f in group.frames):
            client += group.count
    for suspect in analysis.suspects:
        package_level = package_level or any(
            e.code == "server-without-timeouts" for e in suspect.evidence
        )
    return GoroutineView(
        analysis.source,
        analysis.grouping.total,
        phases,
        client,
        sites.most_common(3),
        package_level,
        [_suspect_line(s) for s in analysis.suspects[:5]],
    )


def _suspect_line(suspect: Suspect) -> str:
    where = suspect.location.location if suspect.location is not None else suspect.group.location
    return f"{suspect.group.count} goroutines: {suspect.pattern.title} ({where})"


def _say(finding: SocketFinding, goroutines: GoroutineView, listeners: int) -> str | None:
    phases = goroutines.phases
    n = finding.count
    if finding.id == "slow-clients":
        reading, idle = phases.get(PHASE_READING, 0), phases.get(PHASE_IDLE, 0)
        if reading or idle:
            parts = []
            if reading:
                parts.append(f"{reading} connection goroutines reading a request")
            if idle:
                parts.append(f"{idle} idle between keep-alive requests")
            cause = (
                "slow clients held by a server without ReadHeaderTimeout"
                if reading >= idle
                else "idle clients held by a server without IdleTimeout"
            )
            if goroutines.package_level_serve:
                cause += " (started with a package-level http.ListenAndServe/Serve, which has none)"
            return f"{n} idle server connections, {', '.join(parts)}: {cause}"
        return (
            "no net/http connection goroutine waits on a client in the dump: not a Go "
            "net/http server, or another process"
        )
    if finding.id == "zombie-connections":
        handlers = phases.get(PHASE_HANDLER, 0)
        if handlers:
            where = ", ".join(f"{site} ({count})" for site, count in goroutines.handler_sites)
            return (
                f"{n} connections with unread data, {handlers} goroutines inside handlers"
                + (f" blocked at {where}" if where else "")
                + ": the handlers block before reading the request body"
            )
        return None
    if finding.id == "close-wait-pile" and finding.side == "server" and phases.get(PHASE_HANDLER):
        return (
            f"{n} server connections closed by their clients, {phases[PHASE_HANDLER]} goroutines "
            "still inside handlers: handlers that never return keep the connections open"
        )
    if finding.id in ("close-wait-pile", "time-wait-storm") and finding.side == "client":
        if goroutines.client_connections:
            return (
                f"{goroutines.client_connections} http.Client connection goroutines "
                f"({CLIENT_READ_LOOP}) for {n} sockets: responses whose bodies are not read "
                "and closed keep them"
            )
        return None
    if finding.id == "accept-queue-overflow":
        loops = phases.get(ACCEPT_LOOP, 0)
        if loops < listeners:
            return (
                f"{loops} net/http accept loop goroutine(s) for {listeners} listening port(s): "
                "nothing in this process accepts on at least one of them"
            )
        return (
            f"{loops} accept loop goroutine(s) for {listeners} listening port(s): accept() is "
            "slow (CPU starvation, a limiting listener at its cap)"
        )
    return None


def join(sockets: SocketsAnalysis, goroutines: Analysis) -> GoroutineView:
    seen = view(goroutines)
    listeners = sum(1 for row in sockets.ports if row.backlog is not None)
    for finding in sockets.findings:
        finding.goroutines = _say(finding, seen, listeners)
    return seen
