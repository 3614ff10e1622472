"""A peer that is not an HTTP server costs the run errors, never an exception or a hang."""

from __future__ import annotations

import asyncio

import pytest

from gotriage.probe.target import resolve
from gotriage.reproduce.load import measure

ANSWERS = {
    "garbage": b"SSH-2.0-not-http\r\n\r\n",
    "endless head": b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 20000,
    "close at once": b"",
}


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_load_against_a_hostile_peer(answer):
    async def scenario() -> tuple[dict[str, int], int]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(1024)
            writer.write(ANSWERS[answer])
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            target = resolve(f"http://127.0.0.1:{port}/", confirm_owned=False)
            tally, _ = await measure(target, rate=50.0, seconds=1.0, connections=2, grace=1.0)
        return tally.errors, tally.ok

    errors, ok = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert ok == 0 and sum(errors.values()) >= 40, errors
    assert set(errors) <= {"invalid", "closed", "reset", "connect", "unfinished"}
