from __future__ import annotations

from tree_sitter import Node

from gotriage.audit.engine import FileContext, Rule
from gotriage.audit.shared import HTTP, HTTPValues, http_values
from gotriage.model import Confidence, Severity

STARTS = frozenset({"ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"})
SHUTDOWN_FACT = "calls_shutdown"


class NoGracefulShutdown(Rule):
    """An http.Server is started but ``Shutdown`` is never called anywhere in the package.

    Why it matters: without ``srv.Shutdown(ctx)`` a deploy or a scale-down kills the process
    with requests in flight: clients see resets and half-written responses, and work the
    handlers started (writes to a database, messages to a queue) stops midway. Shutdown stops
    accepting, waits for active requests, and closes idle connections.

    Bad::

        srv := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
        log.Fatal(srv.ListenAndServe())

    Good::

        ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
        defer stop()
        go func() {
            <-ctx.Done()
            shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
            defer cancel()
            _ = srv.Shutdown(shutdownCtx)
        }()
        if err := srv.ListenAndServe(); err != http.ErrServerClosed {
            log.Fatal(err)
        }

    ``ListenAndServe`` and ``ListenAndServeTLS`` count as a server start on any value; ``Serve``
    and ``ServeTLS`` only on a value this file knows is an ``http.Server``. The package-level
    helpers are GT102's business.

    How to fix: call ``srv.Shutdown`` with a bounded context when the process is told to stop.
    """

    id = "GT110"
    name = "no-graceful-shutdown"
    title = "http.Server started without any Shutdown in the package"
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    fix_hint = "call srv.Shutdown(ctx) on SIGTERM/SIGINT before exiting"
    uses = (HTTPValues,)  # every file: Shutdown may be called where net/http is not imported
    call_names = frozenset({*STARTS, "Shutdown", "RegisterOnShutdown"})

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._starts: list[tuple[Node, str, str]] = []

    def visit_call(self, node: Node, qualifier: str, name: str) -> None:
        if name in ("Shutdown", "RegisterOnShutdown"):
            self.ctx.facts[SHUTDOWN_FACT].append(True)
        elif qualifier and self.ctx.imports_path(HTTP) and not self.ctx.is_pkg(qualifier, HTTP):
            self._starts.append((node, qualifier, name))

    def finish(self) -> None:
        servers = {s.binding for s in http_values(self.ctx, "Server") if s.binding}
        for node, qualifier, name in self._starts:
            if name.startswith("Serve") and qualifier not in servers:
                continue
            self.ctx.report(
                type(self),
                node,
                f"{qualifier}.{name}() starts a server but nothing in this package calls "
                "Shutdown: in-flight requests are cut at every deploy",
                unless=SHUTDOWN_FACT,
            )
