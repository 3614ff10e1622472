"""Goroutines that are blocked on purpose, as data.

A stack that contains any of a pattern's functions (exact names, or prefixes ending in ``*``) is
blocked by design and never called a leak, unless the runtime itself says it leaked.
"""

from __future__ import annotations

BY_DESIGN: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "the runtime's own worker",
        (
            "runtime.gcBgMarkWorker",
            "runtime.bgsweep",
            "runtime.bgscavenge",
            "runtime.forcegchelper",
            "runtime.runfinq",
            "runtime.runCleanups",
            "runtime.unique_runtime_registerUniqueMapCleanup.func*",
            "unique.registerCleanup.func*",
            "runtime.ensureSigM.func*",
            "runtime.timerproc",
            "runtime.updateMaxProcsGoroutine",
        ),
    ),
    ("signal handling", ("os/signal.signal_recv", "os/signal.loop", "os/signal.Notify.func*")),
    ("pprof serving this dump", ("runtime/pprof.*", "net/http/pprof.*")),
    (
        "HTTP server reading ahead for a running handler",
        (
            "net/http.(*connReader).backgroundRead",
            "net/http.(*connReader).startBackgroundRead*",
        ),
    ),
    (
        "HTTP client connection kept alive",
        (
            "net/http.(*persistConn).readLoop",
            "net/http.(*persistConn).writeLoop",
            "net/http.(*http2ClientConn).readLoop",
        ),
    ),
    ("HTTP/2 server connection", ("net/http.(*http2serverConn).serve",)),
    (
        "database/sql connection pool",
        (
            "database/sql.(*DB).connectionOpener",
            "database/sql.(*DB).connectionCleaner",
            "database/sql.(*DB).connectionResetter",
        ),
    ),
    ("context watcher", ("context.(*cancelCtx).propagateCancel.func*",)),
    (
        "log/syslog or testing machinery",
        ("testing.(*T).Run", "testing.tRunner", "testing.runTests"),
    ),
)
