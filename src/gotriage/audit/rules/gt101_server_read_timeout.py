from __future__ import annotations

from gotriage.audit.shared import MissingServerTimeout
from gotriage.model import Severity


class ServerReadTimeout(MissingServerTimeout):
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

    A server that also lacks the settings of GT101, GT103 or GT104 is one finding, under the
    most severe of them (GT101, then GT103, then GT104), listing every missing field.

    How to fix: set ReadHeaderTimeout (a few seconds is plenty for headers) and, unless the
    server accepts slow uploads, ReadTimeout. ``gotriage audit --fix`` adds ReadHeaderTimeout.
    """

    id = "GT101"
    name = "server-read-timeout"
    title = "http.Server without ReadHeaderTimeout or ReadTimeout (slowloris)"
    severity = Severity.HIGH
    fix_hint = "set ReadHeaderTimeout (for example 10 * time.Second) on the http.Server"
    any_of = ("ReadHeaderTimeout", "ReadTimeout")
    missing_text = (
        "neither ReadHeaderTimeout nor ReadTimeout: a client that sends its headers slowly "
        "holds a connection and a goroutine forever"
    )
    clause = "ReadHeaderTimeout or ReadTimeout (slow headers hold a connection forever)"
