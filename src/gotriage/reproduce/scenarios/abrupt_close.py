"""abrupt-close: connect, send part of a request, then reset the connection (the client that
vanished). The server sees the RST on its next read and frees the connection at once, whatever
its timeouts; goroutines that stay are handlers that go on after their client is gone."""

from __future__ import annotations

from gotriage.reproduce.scenarios.base import Context, Parameter, at_rate

NAME = "abrupt-close"
SUMMARY = "connect, send part of a request, then reset the connection"
FIX = "abort"
PARAMETERS = (
    Parameter("rate", "rate", 50.0, "connections a second"),
    Parameter("hold", "duration", 0.1, "seconds between the partial request and the reset"),
    Parameter("path", "path", "/", "request path (default: the URL's)"),
)


async def run(ctx: Context) -> None:
    whole = (ctx.request_head("GET", ctx.params["path"]) + "\r\n").encode()

    async def one() -> None:
        conn = await ctx.open()
        if conn is None:
            return
        cut = ctx.rng.randrange(1, len(whole) - 2)  # somewhere inside the request, seeded
        if ctx.send(conn, whole[:cut]):
            ctx.stats.requests += 1
        await ctx.pause(ctx.params["hold"])
        conn.close(reset=True)
        ctx.stats.resets += 1

    await at_rate(ctx, ctx.params["rate"], one)
