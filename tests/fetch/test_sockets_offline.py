"""A connection that cannot be made because the network is gone must still read as such to the
offline rule (``fetch.http._no_network``) once ``fetch.sockets`` has turned it into httpcore's
error. No packet is sent: asyncio's connect is replaced by the failure it would raise."""

from __future__ import annotations

import asyncio
import errno
from typing import NoReturn

import httpcore
import httpx
import pytest

from lowprofile.fetch import sockets
from lowprofile.fetch.http import _no_network


@pytest.mark.parametrize("code", [errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED])
def test_a_connect_asyncio_words_as_connect_call_failed_still_reads_as_no_network(
    code: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncio raises ``OSError(101, "Connect call failed ('192.0.2.1', 443)")``: the errno's
    own words ("Network is unreachable") are in no message unless the backend puts them back."""

    async def unreachable(host: str, port: int, **_: object) -> NoReturn:
        raise OSError(code, f"Connect call failed ({host!r}, {port})")

    monkeypatch.setattr(sockets.asyncio, "open_connection", unreachable)

    async def main() -> httpcore.ConnectError:
        with pytest.raises(httpcore.ConnectError) as caught:
            await sockets.AsyncioBackend().connect_tcp("192.0.2.1", 443, timeout=1)
        return caught.value

    failure = asyncio.run(main())
    wrapped = httpx.ConnectError(str(failure))  # as httpx maps httpcore's error
    wrapped.__cause__ = failure
    assert _no_network(wrapped)
    assert str(failure).count("\n") == 0
