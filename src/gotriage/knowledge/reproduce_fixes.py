"""What stops each reproduced failure: the setting, its recommended value, and the words.

Keyed by each scenario module's ``FIX``. Timeout values come from
:mod:`gotriage.knowledge.server_timeouts`, the one table of recommended timeouts; ``missing`` is
said when the server held on, ``working`` when it let go, both after the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotriage.knowledge.server_timeouts import RECOMMENDED_SECONDS, server_snippet

GO_DEFAULT_MAX_HEADER_BYTES = 1 << 20  # http.DefaultMaxHeaderBytes


@dataclass(frozen=True, slots=True)
class Fix:
    setting: str
    missing: str  # the server degraded: what it lacks and what to set
    working: str  # the server held up: what did it
    snippet: str = ""


def _timeout(name: str, what: str) -> Fix:
    seconds = RECOMMENDED_SECONDS[name]
    return Fix(
        name,
        f"the server has no {name} (or a very long one): set it ({seconds} s recommended)",
        f"its {name} (or another deadline) ended {what}",
        server_snippet(name),
    )


FIXES: dict[str, Fix] = {
    "read-header": _timeout("ReadHeaderTimeout", "the slow headers"),
    "read-body": Fix(
        "ReadTimeout",
        "the server has no ReadTimeout (or a very long one): set it "
        f"({RECOMMENDED_SECONDS['ReadTimeout']} s recommended), or a per-handler read deadline "
        "with http.NewResponseController(w).SetReadDeadline",
        "its ReadTimeout (or a read deadline) ended the slow bodies",
        server_snippet("ReadTimeout"),
    ),
    "write": _timeout("WriteTimeout", "the writes to readers that stopped reading"),
    "idle": _timeout("IdleTimeout", "the idle keep-alive connections"),
    "abort": Fix(
        "r.Context()",
        "goroutines outlive their clients: a handler that does not stop when r.Context() is "
        "done keeps running after the client reset; select on ctx.Done() in it",
        "the server freed every reset connection at once",
    ),
    "concurrency": Fix(
        "concurrency limit",
        "the slow handler runs without a concurrency limit: bound it (a semaphore sized to what "
        "the CPU or the downstream can serve, netutil.LimitListener, or a 503 when full) and "
        f"cap its time with http.TimeoutHandler ({RECOMMENDED_SECONDS['WriteTimeout'] - 5} s)",
        "the slow endpoint's load did not reach the normal requests (a limit held)",
    ),
    "header-size": Fix(
        "MaxHeaderBytes",
        "MaxHeaderBytes is smaller than what these clients send and each retry repeats the "
        f"rejected read: raise it to fit them (Go's default {GO_DEFAULT_MAX_HEADER_BYTES >> 20} "
        "MiB) and make clients not retry a 431",
        "the server accepted the large headers",
    ),
    "churn": Fix(
        "keep-alive",
        "each request pays a handshake and leaves a TIME_WAIT socket for 60 s: let clients "
        "reuse connections (http.Transport keeps them; raise MaxIdleConnsPerHost from 2) and "
        "keep the server's keep-alives on",
        "the TIME_WAIT sockets stayed below the threshold",
    ),
}
