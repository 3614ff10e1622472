from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import Rule
from gotriage.audit.shared import HTTP
from gotriage.model import Severity

HELPERS = frozenset({"ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"})


class ListenAndServeHelper(Rule):
    """A server started with net/http's package-level helper, which has no timeouts at all.

    Why it matters: ``http.ListenAndServe``, ``http.ListenAndServeTLS``, ``http.Serve`` and
    ``http.ServeTLS`` build a zero ``http.Server`` internally: no ReadHeaderTimeout, no
    ReadTimeout, no WriteTimeout, no IdleTimeout, and no handle to call ``Shutdown`` on. Every
    slow or vanished client holds a connection and a goroutine forever, and the process cannot
    drain in-flight requests when it is asked to stop.

    Bad::

        log.Fatal(http.ListenAndServe(":8080", mux))

    Good::

        srv := &http.Server{
            Addr:              ":8080",
            Handler:           mux,
            ReadHeaderTimeout: 10 * time.Second,
            IdleTimeout:       120 * time.Second,
        }
        log.Fatal(srv.ListenAndServe())

    How to fix: build an ``http.Server`` with timeouts and call its method instead; keep the
    value so that a signal handler can call ``srv.Shutdown(ctx)``.
    """

    id = "GT102"
    name = "listen-and-serve-helper"
    title = "package-level http.ListenAndServe/Serve: a server that cannot have timeouts"
    severity = Severity.HIGH
    fix_hint = "use an http.Server with timeouts and call its ListenAndServe method"
    imports = (HTTP,)
    call_names = HELPERS

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if self.ctx.is_pkg(qualifier, HTTP):
            self.ctx.report(
                type(self),
                node,
                f"http.{name} runs a server with no timeouts and no way to shut it down gracefully",
            )
