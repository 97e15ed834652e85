"""The person's own feeds (their Google Alerts, any feed they add): kept per person, checked
before they are kept.

A Google Alerts feed address carries a private token: whoever has it reads the person's
alerts. So the list is a private file of its own per person (``<data>/mentions/<person>.json``,
mode 0600), reports name a feed by its host only, and an address is refused unless it is
``https`` on a public host (``LOWPROFILE_ALLOW_LOOPBACK=1`` also lets a feed on this machine
through, for tests and local feeds), the same fence every request meets.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

from lowprofile.config import data_dir
from lowprofile.errors import ConfigError, InputError
from lowprofile.files import write_private

log = logging.getLogger(__name__)


def feeds_path(person: str) -> Path:
    """Where ``person``'s feed addresses are kept."""
    return data_dir() / "mentions" / f"{person or 'nobody'}.json"


def check_feed_url(url: str, *, allow_loopback: bool) -> str:
    """``url`` as kept, or an ``InputError`` saying why it cannot be a feed: not https, or not
    a public host (a private, link-local or loopback address; loopback with the opt-in)."""
    from lowprofile.fetch.fence import check_public_target, is_loopback

    url = url.strip()
    problem = check_public_target(url, allow_loopback=allow_loopback)
    if problem:
        raise InputError(f"feed {problem}")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_loopback and is_loopback(parts.hostname or "")):
        raise InputError(f"feed {url!r}: only https:// feeds are read (the address is private)")
    return url


def feed_host(url: str) -> str:
    """What a report shows of a person's own feed: its host, never its private path."""
    return urlsplit(url).hostname or "?"


def load_feeds(person: str) -> tuple[str, ...]:
    """The person's feed addresses, in the order they were added."""
    path = feeds_path(person)
    if not path.is_file():
        return ()
    try:
        feeds = json.loads(path.read_text("utf-8"))["feeds"]
        return tuple(str(url) for url in feeds)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a feeds file ({exc})") from exc


def _save(person: str, feeds: tuple[str, ...]) -> None:
    write_private(feeds_path(person), json.dumps({"feeds": list(feeds)}, indent=2) + "\n")


def add_feed(person: str, url: str, *, allow_loopback: bool) -> bool:
    """Keep ``url`` for ``person`` once it passes ``check_feed_url``; False when it was kept
    already."""
    url = check_feed_url(url, allow_loopback=allow_loopback)
    feeds = load_feeds(person)
    if url in feeds:
        return False
    _save(person, (*feeds, url))
    return True


def remove_feed(person: str, which: str) -> str:
    """Forget one feed, named by its address or its number in ``mentions list`` (from 1);
    returns the address removed, or an ``InputError`` when none is that."""
    feeds = load_feeds(person)
    chosen = which.strip()
    if chosen.isdigit() and 1 <= int(chosen) <= len(feeds):
        chosen = feeds[int(chosen) - 1]
    if chosen not in feeds:
        raise InputError(f"no feed {which!r}: `lowprofile mentions list` shows the ones kept")
    _save(person, tuple(url for url in feeds if url != chosen))
    return chosen


def feeds_for_scan(person: str) -> tuple[str, ...]:
    """The person's feeds for a scan: a list that cannot be read costs those feeds (said once,
    as a warning), never the scan."""
    try:
        return load_feeds(person)
    except (ConfigError, OSError) as exc:
        log.warning("your own feeds are left out of this scan: %s", exc)
        return ()
