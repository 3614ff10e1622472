"""Goroutines that are blocked on purpose, as data.

A goroutine waits by design when one of a pattern's functions (exact names, or prefixes ending
in ``*``) is where and how it waits: among the frames from the top of its stack down to the
first frame of the user's code (the whole stack when it has none). Frames further down only say
how it got there: every test runs under ``testing.tRunner`` and all work under ``pprof.Do``
labels runs below ``runtime/pprof.Do``, and neither makes a wait in the user's code harmless.
Such goroutines are never called a leak, unless the runtime itself says they leaked.
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
        "testing machinery",
        (
            "testing.(*T).Run",
            "testing.(*T).Parallel",
            "testing.tRunner*",
            "testing.runTests*",
            "testing.(*M).Run",
            "testing.(*M).startAlarm*",
        ),
    ),
)

#: ``select {}`` at the bottom of the main goroutine: the idiom that keeps a server process alive
#: while other goroutines do the work (``caddy run`` parks main this way).
MAIN_PARKED = "main goroutine parked for the life of the process (select {})"

#: A per-connection writer waiting for outbound data on a sync.Cond next to its reader.
PAIRED_WRITER = (
    "per-connection writer waiting for data to send, one for each of the {n} readers of the same "
    "connections in network I/O"
)
