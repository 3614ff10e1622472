"""slow-clients: connections that send part of a request header, then a byte every few seconds
or nothing more (slowloris). Each holds a server goroutine until the server's
ReadHeaderTimeout (else ReadTimeout) closes it; without one it is held for ever."""

from __future__ import annotations

from gotriage.reproduce.connections import Held
from gotriage.reproduce.scenarios.base import Context, Parameter, ramp, trickle

NAME = "slow-clients"
SUMMARY = "connections send a partial request header, then trickle a byte every few seconds"
FIX = "read-header"
PARAMETERS = (
    Parameter("clients", "count", 200, "connections opened", connections=True),
    Parameter("interval", "duration", 5.0, "seconds between trickled header bytes; 0: silent"),
    Parameter("path", "path", "/", "request path (default: the URL's)"),
)


async def run(ctx: Context) -> None:
    head = ctx.request_head("GET", ctx.params["path"]).encode()

    async def setup(conn: Held) -> None:
        if ctx.send(conn, head):
            ctx.stats.requests += 1

    await ramp(ctx, ctx.params["clients"], setup)
    letters = b"abcdefghijklmnopqrstuvwxyz"
    # One byte of a header name that never ends.
    await trickle(ctx, ctx.params["interval"], lambda: bytes([ctx.rng.choice(letters)]))
