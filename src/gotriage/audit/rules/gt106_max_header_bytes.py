from __future__ import annotations

from gotriage.audit.engine import Rule
from gotriage.audit.shared import HTTP, HTTPValues, http_values
from gotriage.audit.values import format_bytes
from gotriage.model import Confidence, Severity


class MaxHeaderBytes(Rule):
    """MaxHeaderBytes set so small that ordinary requests fail, or explicitly enormous.

    Why it matters: browsers send cookies of up to 4 KB each, and tracing adds ``traceparent``,
    ``tracestate`` and ``baggage`` (up to 8 KB by the W3C limits). Below about 8 KiB ordinary
    requests draw ``431 Request Header Fields Too Large``, and clients that retry on errors turn
    that into a retry storm. At the other end, every connection may buffer up to
    MaxHeaderBytes of headers: tens of megabytes per connection turns a few hundred slow
    clients into gigabytes of memory. Go's default (1 MiB when the field is zero) is sound.

    The bounds are configurable: ``max-header-bytes-min`` (default 8192) and
    ``max-header-bytes-max`` (default 8 MiB).

    Bad::

        srv := &http.Server{MaxHeaderBytes: 1024}
        srv := &http.Server{MaxHeaderBytes: 1 << 30}

    Good::

        srv := &http.Server{MaxHeaderBytes: 64 << 10}

    How to fix: leave MaxHeaderBytes at zero (Go's 1 MiB default) or pick a value between
    16 KiB and a few MiB.
    """

    id = "GT106"
    name = "max-header-bytes"
    title = "MaxHeaderBytes too small for real headers, or enormous"
    severity = Severity.MEDIUM
    fix_hint = "leave MaxHeaderBytes at 0 (1 MiB) or choose 16 KiB to a few MiB"
    imports = (HTTP,)
    uses = (HTTPValues,)

    def finish(self) -> None:
        low = self.ctx.config.max_header_bytes_min
        high = self.ctx.config.max_header_bytes_max
        for server in http_values(self.ctx, "Server"):
            size = server.value_of(self.ctx, "MaxHeaderBytes")  # None when not set
            if size is None or size <= 0:
                continue
            where = server.fields["MaxHeaderBytes"] or server.node
            if size < low:
                self.ctx.report(
                    type(self),
                    where,
                    f"MaxHeaderBytes is {format_bytes(size)}: ordinary cookies and tracing headers "
                    f"exceed it and draw 431 errors (keep it at least {format_bytes(low)})",
                )
            elif size > high:
                self.ctx.report(
                    type(self),
                    where,
                    f"MaxHeaderBytes is {format_bytes(size)}: every slow client may pin that much "
                    f"memory (keep it at most {format_bytes(high)})",
                    severity=Severity.LOW,
                    confidence=Confidence.MEDIUM,
                )
