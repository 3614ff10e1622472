from __future__ import annotations

from gotriage.audit.engine import Rule
from gotriage.audit.shared import HTTP, HTTPValues, http_values
from gotriage.model import Severity


class ServerReadTimeout(Rule):
    """An http.Server sets neither ReadHeaderTimeout nor ReadTimeout.

    Why it matters: with both at zero, net/http waits forever for a client to finish sending
    its request headers. A client that sends one byte a minute (slowloris), or simply a broken
    network path, holds a connection, a goroutine and its buffers for as long as it likes; a few
    thousand of them exhaust file descriptors and memory. The Go runtime's leak profile cannot
    see these goroutines: they are parked in network I/O, not on a channel.

    Bad::

        srv := &http.Server{Addr: ":8080", Handler: mux}

    Good::

        srv := &http.Server{
            Addr:              ":8080",
            Handler:           mux,
            ReadHeaderTimeout: 10 * time.Second,
        }

    How to fix: set ReadHeaderTimeout (a few seconds is plenty for headers) and, unless the
    server accepts slow uploads, ReadTimeout. ``gotriage audit --fix`` adds ReadHeaderTimeout.
    """

    id = "GT101"
    name = "server-read-timeout"
    title = "http.Server without ReadHeaderTimeout or ReadTimeout (slowloris)"
    severity = Severity.HIGH
    fix_hint = "set ReadHeaderTimeout (for example 10 * time.Second) on the http.Server"
    fixable = True
    imports = (HTTP,)
    uses = (HTTPValues,)

    def finish(self) -> None:
        for server in http_values(self.ctx, "Server"):
            if server.is_set(self.ctx, "ReadHeaderTimeout") or server.is_set(
                self.ctx, "ReadTimeout"
            ):
                continue
            self.ctx.report(
                type(self),
                server.node,
                "http.Server has neither ReadHeaderTimeout nor ReadTimeout: a client that sends "
                "its headers slowly holds a connection and a goroutine forever",
                confidence=server.confidence,
            )
