"""header-oversize: requests whose headers are just over the server's limit, sent again by a
client that retries. Each rejection (431) costs the server a read of the whole header, and each
retry repeats it: the retry amplification of a MaxHeaderBytes that is too small for the
clients."""

from __future__ import annotations

from gotriage.reproduce.scenarios.base import Context, Parameter, answered, at_rate

NAME = "header-oversize"
SUMMARY = "requests with headers just over the server's limit, each retried by the client"
FIX = "header-size"
PARAMETERS = (
    Parameter("rate", "rate", 10.0, "requests a second, before retries"),
    Parameter("header_bytes", "size", 16 << 10, "size of the large header (a cookie, a token)"),
    Parameter("retries", "count", 3, "attempts after the first when the answer is not 2xx"),
    Parameter("path", "path", "/", "request path (default: the URL's)"),
)


async def run(ctx: Context) -> None:
    size = ctx.params["header_bytes"]

    async def one() -> None:
        ctx.stats.logical += 1
        filler = "".join(ctx.rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=size))
        request = ctx.request_head("GET", ctx.params["path"], f"Cookie: s={filler}") + "\r\n"
        data = request.encode()
        for attempt in range(1 + ctx.params["retries"]):
            conn = await ctx.open()
            if conn is None:
                continue
            if attempt:
                ctx.stats.retries += 1
            ctx.stats.requests += 1
            ctx.send(conn, data)
            status = await answered(conn, 10.0)
            ctx.stats.answer(status)
            conn.close()
            if 200 <= status < 400:
                return

    await at_rate(ctx, ctx.params["rate"], one)
