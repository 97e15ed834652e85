"""The real client (``fetch.http.Http`` over ``fetch.sockets``) against servers on 127.0.0.1
that misbehave: what a person reads is one plain line, as it was over httpcore's anyio
backend."""

from __future__ import annotations

import asyncio

import pytest

from lowprofile.config import Settings
from lowprofile.errors import RequestFailed
from lowprofile.fetch.http import Http


def test_a_server_that_never_answers_reads_as_read_timed_out_once() -> None:
    """The read timeout is named once ("read timed out"), not "read timed out (timed out)"."""

    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(5)
        finally:
            writer.transport.abort()

    async def main() -> str:
        listening = await asyncio.start_server(mute, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        settings = Settings(allow_loopback=True, retries=0, read_timeout=0.2, host_interval=0)
        async with listening, Http(settings, deadline=5) as http:
            with pytest.raises(RequestFailed) as caught:
                await http.request("GET", f"http://127.0.0.1:{port}/")
        return str(caught.value)

    said = asyncio.run(main())
    assert said.startswith("127.0.0.1: read timed out")
    assert "timed out (timed out)" not in said
    assert "\n" not in said
