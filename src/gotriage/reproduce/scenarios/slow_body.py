"""slow-body: complete request headers announcing a body, then the body a byte every few
seconds. Each holds a handler reading the body until the server's ReadTimeout (or a per-handler
read deadline) ends it; ReadHeaderTimeout does not apply once the headers are in."""

from __future__ import annotations

from gotriage.reproduce.connections import Held
from gotriage.reproduce.scenarios.base import Context, Parameter, ramp, trickle

NAME = "slow-body"
SUMMARY = "complete headers, then the request body trickled a byte every few seconds"
FIX = "read-body"
PARAMETERS = (
    Parameter("clients", "count", 200, "connections opened", connections=True),
    Parameter("interval", "duration", 5.0, "seconds between trickled body bytes; 0: silent"),
    Parameter("path", "path", None, "an endpoint that reads a POST body (--body-path)"),
    Parameter("body_size", "size", 1 << 20, "the Content-Length announced"),
)


async def run(ctx: Context) -> None:
    head = ctx.request_head(
        "POST",
        ctx.params["path"],
        f"Content-Length: {ctx.params['body_size']}",
        "Content-Type: application/octet-stream",
    ).encode()
    head += b"\r\n"

    async def setup(conn: Held) -> None:
        if ctx.send(conn, head):
            ctx.stats.requests += 1

    await ramp(ctx, ctx.params["clients"], setup)
    await trickle(ctx, ctx.params["interval"], lambda: b"x")
