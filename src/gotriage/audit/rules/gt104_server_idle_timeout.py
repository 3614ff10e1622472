from __future__ import annotations

from gotriage.audit.shared import MissingServerTimeout
from gotriage.model import Severity


class ServerIdleTimeout(MissingServerTimeout):
    """An http.Server has neither IdleTimeout nor ReadTimeout: idle keep-alive connections
    live forever.

    Why it matters: between two requests on a keep-alive connection net/http waits for
    IdleTimeout, falling back to ReadTimeout when IdleTimeout is zero. With both zero an idle
    connection, and the goroutine serving it, is kept until the client closes it, which clients
    behind NAT or a crashed peer never do.

    Bad::

        srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

    Good::

        srv := &http.Server{
            Handler:           mux,
            ReadHeaderTimeout: 10 * time.Second,
            IdleTimeout:       120 * time.Second,
        }

    A server that also lacks the settings of GT101, GT103 or GT104 is one finding, under the
    most severe of them (GT101, then GT103, then GT104), listing every missing field.

    How to fix: set IdleTimeout (one or two minutes suits most clients and load balancers;
    make it longer than the load balancer's own idle timeout).
    """

    id = "GT104"
    name = "server-idle-timeout"
    title = "http.Server without IdleTimeout or ReadTimeout (idle connections never close)"
    severity = Severity.MEDIUM
    fix_hint = "set IdleTimeout (for example 120 * time.Second)"
    any_of = ("IdleTimeout", "ReadTimeout")
    missing_text = (
        "neither IdleTimeout nor ReadTimeout: idle keep-alive connections and their goroutines "
        "are kept forever"
    )
    clause = "IdleTimeout or ReadTimeout (idle keep-alive connections are kept forever)"
