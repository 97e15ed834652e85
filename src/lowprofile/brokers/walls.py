"""Bot walls: the generic signatures of a captcha, challenge or block page, read as plain text.

Apart from ``page.py`` because the usernames check needs the wall test on every answer and
nothing else of page reading: recognising a wall is a search for markers, and must not bring
lxml and the broker recipe machinery into a command that never parses a result card.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class BotWall:
    """One kind of wall and the markers (lowercase) that give it away in the HTML or text."""

    name: str
    html: tuple[str, ...]
    text: tuple[str, ...]


@functools.cache
def bot_walls() -> tuple[BotWall, ...]:
    """The generic signatures every broker shares (data: ``botwalls.toml``)."""
    raw = resources.files("lowprofile.brokers").joinpath("botwalls.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    return tuple(
        BotWall(
            name=s["name"],
            html=tuple(x.lower() for x in s.get("html", [])),
            text=tuple(x.lower() for x in s.get("text", [])),
        )
        for s in data["signature"]
    )


def detect_bot_wall(raw_html: str, page_text: str, extra: tuple[str, ...] = ()) -> str | None:
    """The name of the bot wall this page is, or None. A page read as raw text only (an API
    answer, a username probe) passes the same string twice: it is lowered once."""
    lowered_html = raw_html.lower()
    lowered_text = lowered_html if page_text is raw_html else page_text.lower()
    for wall in bot_walls():
        if any(marker in lowered_html for marker in wall.html):
            return wall.name
        if any(marker in lowered_text for marker in wall.text):
            return wall.name
    for marker in extra:
        if marker.lower() in lowered_text:
            return f"block page ({marker})"
    return None
