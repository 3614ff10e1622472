"""connection-churn: short connections without keep-alive, one request each, at a rate. The
server closes each first (``Connection: close``), so every one leaves a socket in TIME_WAIT on
the server's port for 60 s, and each costs a handshake and a new goroutine."""

from __future__ import annotations

from gotriage.reproduce.scenarios.base import Context, Parameter, answered, at_rate, ended

NAME = "connection-churn"
SUMMARY = "short connections without keep-alive at a rate (TIME_WAIT build-up)"
FIX = "churn"
PARAMETERS = (
    Parameter("rate", "rate", 200.0, "connections a second"),
    Parameter("path", "path", "/", "request path (default: the URL's)"),
)


async def run(ctx: Context) -> None:
    request = (ctx.request_head("GET", ctx.params["path"], "Connection: close") + "\r\n").encode()

    async def one() -> None:
        conn = await ctx.open()
        if conn is None:
            return
        if ctx.send(conn, request):
            ctx.stats.requests += 1
        ctx.stats.answer(await answered(conn, 10.0))
        await ended(conn, 5.0)  # the server closes first and keeps the TIME_WAIT
        conn.close()

    await at_rate(ctx, ctx.params["rate"], one)
