"""slow-readers: request a large response and read it slowly or not at all. The handler blocks
in Write once the socket buffers are full and holds its goroutine until the server's
WriteTimeout fails the write; without one it waits for ever."""

from __future__ import annotations

from gotriage.reproduce.connections import Held
from gotriage.reproduce.scenarios.base import Context, Parameter, ramp

NAME = "slow-readers"
SUMMARY = "request a large response, then read it slowly or not at all"
FIX = "write"
PARAMETERS = (
    Parameter("clients", "count", 50, "connections opened", connections=True),
    Parameter("path", "path", None, "an endpoint with a large response (--large-path)"),
    Parameter("read_interval", "duration", 0.0, "seconds between reads of 4 KiB; 0: never read"),
)


async def run(ctx: Context) -> None:
    request = (ctx.request_head("GET", ctx.params["path"]) + "\r\n").encode()

    async def setup(conn: Held) -> None:
        conn.pause_after_read = True
        if ctx.send(conn, request):
            ctx.stats.requests += 1

    await ramp(ctx, ctx.params["clients"], setup, small_receive_buffer=True)
    interval = ctx.params["read_interval"]
    if interval <= 0:
        return
    while not await ctx.pause(interval):
        for conn in list(ctx.pool.held):
            if conn.open and conn.transport is not None:
                conn.transport.resume_reading()
