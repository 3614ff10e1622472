"""idle-keepalive: connections that make one request each and then stay idle. Each holds a
goroutine waiting for the next request until the server's IdleTimeout (else ReadTimeout)
closes it; without either the connection is kept for ever."""

from __future__ import annotations

from gotriage.reproduce.connections import Held
from gotriage.reproduce.scenarios.base import Context, Parameter, answered, ramp

NAME = "idle-keepalive"
SUMMARY = "connections make one request each, then stay idle on keep-alive"
FIX = "idle"
PARAMETERS = (
    Parameter("clients", "count", 200, "connections opened", connections=True),
    Parameter("path", "path", "/", "request path (default: the URL's)"),
)


async def run(ctx: Context) -> None:
    request = (ctx.request_head("GET", ctx.params["path"]) + "\r\n").encode()

    async def setup(conn: Held) -> None:
        if ctx.send(conn, request):
            ctx.stats.requests += 1
            ctx.stats.answer(await answered(conn, 10.0))

    await ramp(ctx, ctx.params["clients"], setup)
