"""blocking-handler: many concurrent requests to a slow endpoint. With no limit on how many
run at once, every one holds a goroutine and its share of the CPU or of a downstream resource,
and the normal requests queue behind them (the unbounded-handler avalanche)."""

from __future__ import annotations

import asyncio

from gotriage.reproduce.scenarios.base import Context, Parameter, answered, ended

NAME = "blocking-handler"
SUMMARY = "many concurrent requests to a slow endpoint, each sent again once answered"
FIX = "concurrency"
PARAMETERS = (
    Parameter("clients", "count", 50, "requests in flight at once", connections=True),
    Parameter("path", "path", None, "a slow endpoint (--slow-path)"),
    Parameter("timeout", "duration", 30.0, "seconds a request waits for its answer"),
)


async def run(ctx: Context) -> None:
    request = (ctx.request_head("GET", ctx.params["path"], "Connection: close") + "\r\n").encode()

    async def client() -> None:
        while not ctx.over.is_set():
            conn = await ctx.open()
            if conn is None:
                await ctx.pause(0.1)
                continue
            if ctx.send(conn, request):
                ctx.stats.requests += 1
            status = await answered(conn, ctx.params["timeout"])
            ctx.stats.answer(status)
            if ctx.over.is_set():
                return  # the last request stays in flight, silent, into recovery
            await ended(conn, 5.0)
            conn.close()

    await asyncio.gather(*(client() for _ in range(ctx.params["clients"])))
