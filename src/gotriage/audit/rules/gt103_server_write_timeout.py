from __future__ import annotations

from gotriage.audit.shared import MissingServerTimeout
from gotriage.model import Severity


class ServerWriteTimeout(MissingServerTimeout):
    """An http.Server has no WriteTimeout.

    Why it matters: without a write deadline a client that stops reading the response (a full
    TCP window, a phone that went into a tunnel) blocks the handler's ``Write`` forever, and
    the handler's goroutine, its buffers and anything it holds stay with it.

    Bad::

        srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

    Good::

        srv := &http.Server{
            Handler:           mux,
            ReadHeaderTimeout: 10 * time.Second,
            WriteTimeout:      60 * time.Second,
        }

    A server that also lacks the settings of GT101, GT103 or GT104 is one finding, under the
    most severe of them (GT101, then GT103, then GT104), listing every missing field.

    How to fix: set WriteTimeout longer than the slowest legitimate response. Handlers that
    stream (server-sent events, long polls) can lift it per request with
    ``http.NewResponseController(w).SetWriteDeadline``.
    """

    id = "GT103"
    name = "server-write-timeout"
    title = "http.Server without WriteTimeout"
    severity = Severity.MEDIUM
    fix_hint = "set WriteTimeout; lift it per request with http.ResponseController for streams"
    any_of = ("WriteTimeout",)
    missing_text = (
        "no WriteTimeout: a client that stops reading blocks the handler's goroutine forever"
    )
    clause = "WriteTimeout (a client that stops reading blocks its handler forever)"
