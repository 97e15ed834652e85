"""The seam both fetchers stand behind: ``Fetcher.fetch_page`` returns a ``Fetched`` page.

The HTTP client (``fetch.http.Http``) and the browser engine (``browser.engine.BrowserEngine``)
each speak it, so a broker search asks for a page the same way whichever fetches it, and the
same recipe reads either answer. Neither fetcher imports this module: the protocol is
structural, and the two stay apart on their floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Fetched:
    """A page as it came back, before any recipe reads it."""

    text: str
    status_code: int
    url: str
    via: str = "http"
    """``http`` or ``browser``: how the page was fetched (kept in the evidence manifest)."""


class Fetcher(Protocol):
    """Something that fetches one page for a recipe, politely and inside the fence."""

    async def fetch_page(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        wait_for: Sequence[str] = (),
    ) -> Fetched:
        """The page at ``url``: ``method``, ``headers`` and ``form`` say how a plain client
        asks; ``wait_for`` lists selectors a browser waits for (the first to appear ends the
        wait). A ``NetError`` when nothing usable came back."""
        ...
