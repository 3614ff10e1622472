from __future__ import annotations

from gotriage.audit.engine import Rule
from gotriage.audit.shared import HTTP, HTTPValues, http_values
from gotriage.model import Confidence, Severity


class ClientNoTimeout(Rule):
    """An outbound http.Client without Timeout.

    Why it matters: a Client's zero Timeout means no limit. An upstream that accepts the
    connection and then never answers (a stuck backend, a black-holed route, a load balancer
    draining) parks the calling goroutine forever; under load those goroutines pile up with
    their buffers and whatever locks and connections they hold.

    Bad::

        client := &http.Client{Transport: tr}

    Good::

        client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

    Requests made with a context that has a deadline are bounded too, which this rule cannot
    see; that is why its confidence is medium.

    How to fix: set ``Timeout`` to the longest a whole exchange may take, or make every
    request with ``http.NewRequestWithContext`` and a context that has a deadline.
    """

    id = "GT108"
    name = "client-no-timeout"
    title = "http.Client without Timeout"
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    fix_hint = "set Timeout on the http.Client, or give every request a context deadline"
    imports = (HTTP,)
    uses = (HTTPValues,)

    def finish(self) -> None:
        for client in http_values(self.ctx, "Client"):
            if client.is_set(self.ctx, "Timeout"):
                continue
            confidence = min(client.confidence, Confidence.MEDIUM, key=lambda c: c.rank)
            transport = client.fields.get("Transport")
            if transport is not None and b"ResponseHeaderTimeout" in (transport.text or b""):
                # The wait for the response is bounded; only reading the body is not.
                confidence = Confidence.LOW
            self.ctx.report(
                type(self),
                client.node,
                "http.Client has no Timeout: a stuck upstream parks the caller forever",
                confidence=confidence,
            )
