"""The next stop's tab, opened while this stop's evidence is being kept.

A new tab in a visible browser is a new window (each site has its own context and cookies), and
opening one costs about half a second on a slow machine: opened while the screenshot of the stop
just answered is taken, it is ready when the person gets to it. Only one is ever prepared, and
only once the current stop is answered, so no window appears while the person is still working.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from lowprofile.browser.engine import BrowserEngine


class Tabs:
    """Tabs of ``engine``, one of them opened ahead."""

    def __init__(self, engine: BrowserEngine) -> None:
        self.engine = engine
        self._ahead: tuple[str, AsyncExitStack, asyncio.Task[Any]] | None = None

    def prepare(self, url: str) -> None:
        """Start opening ``url``'s tab (blank until the stop loads it)."""
        if self._ahead is None:
            stack = AsyncExitStack()
            task = asyncio.ensure_future(stack.enter_async_context(self.engine.tab(url)))
            self._ahead = (url, stack, task)

    @asynccontextmanager
    async def open(self, url: str) -> AsyncIterator[Any]:
        """``url``'s tab: the one prepared, or a new one; closed afterwards."""
        if self._ahead is not None and self._ahead[0] == url:
            _, stack, task = self._ahead
            self._ahead = None
        else:
            await self.discard()
            stack = AsyncExitStack()
            task = asyncio.ensure_future(stack.enter_async_context(self.engine.tab(url)))
        try:
            yield await task
        finally:
            await stack.aclose()

    async def discard(self) -> None:
        """Close a tab prepared for a stop that will not come (the person left)."""
        if self._ahead is None:
            return
        _, stack, task = self._ahead
        self._ahead = None
        with contextlib.suppress(Exception):
            await task
        await stack.aclose()
