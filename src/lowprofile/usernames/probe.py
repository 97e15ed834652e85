"""Asking sites about names, through the shared client, with a control for every hit.

A WhatsMyName rule can rot so that a site answers "found" for any name (a soft 404, a login page
that happens to hold the marker). So a hit only stands when a made-up name, asked of the same site
in the same run, comes back as a positive ``not_found``. The control name is random per run and
asked at most once per site, however many of the user's names hit there: one extra request per
hit site, and none for the sites that said no.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lowprofile.brokers.walls import detect_bot_wall
from lowprofile.errors import NetError, RateLimited
from lowprofile.results import Status
from lowprofile.usernames.rules import Verdict, build_request, judge
from lowprofile.usernames.sites import Site

if TYPE_CHECKING:
    from lowprofile.fetch.http import Http

_CONTROL_ALPHABET = string.ascii_lowercase + string.digits


def made_up_name(length: int = 14) -> str:
    """A name nobody has: random lowercase letters and digits, starting with a letter (some
    sites refuse names that start with a digit)."""
    first = secrets.choice(string.ascii_lowercase)
    return first + "".join(secrets.choice(_CONTROL_ALPHABET) for _ in range(length - 1))


async def ask(site: Site, username: str, http: Http) -> Verdict:
    """One request, read by the site's rules; network trouble is a verdict too, never raised."""
    request = build_request(site, username)
    try:
        response = await http.request(
            request.method,
            request.url,
            headers=request.headers or None,
            content=request.body,
            follow_redirects=False,
            remember=not site.name_in_host,
        )
    except NetError as exc:
        status = Status.BLOCKED if isinstance(exc, RateLimited) else Status.ERROR
        return Verdict(status, str(exc))
    body = response.text
    wall = detect_bot_wall(body, body)
    return judge(site, response.status_code, body, wall)


@dataclass
class Controls:
    """The run's made-up name and each site's answer to it, asked once per site.

    A control waits its turn behind the first requests already queued, where a retry goes
    ahead of them: a first request's answer may start a chain (a hit's control one interval
    later, a 429's retry and then its control), while a control ends its site's work. A check
    lasts until the last chain ends, so the chains still unknown must start early, and the
    control, with the shortest rest of chain, is the one that can wait. Sent ahead of first
    requests, controls pushed the last first requests (and the 429s among them, whose chains
    are the longest) back by a second on issue 24's 300-site stand-in."""

    name: str = field(default_factory=made_up_name)
    _answers: dict[str, asyncio.Task[Verdict]] = field(default_factory=dict)

    async def verdict(self, site: Site, http: Http) -> Verdict:
        task = self._answers.get(site.name)
        if task is None:
            task = asyncio.ensure_future(ask(site, self.name, http))
            self._answers[site.name] = task
        return await asyncio.shield(task)

    def cancel(self) -> None:
        """Stop control requests still running (the scan was interrupted)."""
        for task in self._answers.values():
            task.cancel()


@dataclass(frozen=True)
class Outcome:
    """The final word on one name at one site, after the control where there was a hit."""

    status: Status
    reason: str
    control: Verdict | None = None


def weigh_control(hit: Verdict, control: Verdict, control_name: str) -> Outcome:
    """A hit stands only if the made-up name was positively not found on the same site."""
    if control.status is Status.NOT_FOUND:
        return Outcome(Status.FOUND, f"{hit.reason}; a made-up name was not found", control)
    if control.status is Status.FOUND:
        return Outcome(
            Status.CHANGED,
            f"the site answers 'found' for anyone (the made-up name {control_name!r} was found "
            "too): no account claimed",
            control,
        )
    words = {
        Status.BLOCKED: "was blocked",
        Status.ERROR: "failed",
        Status.CHANGED: "gave an answer that fits neither rule",
    }.get(control.status, f"came back {control.status.value}")
    return Outcome(
        control.status,
        f"looked found, but the control request with a made-up name {words} ({control.reason}): "
        "no account claimed",
        control,
    )


async def check_name(site: Site, username: str, http: Http, controls: Controls) -> Outcome:
    """The honest answer for ``username`` at ``site``: the hit is confirmed by the control."""
    first = await ask(site, username, http)
    if first.status is not Status.FOUND:
        return Outcome(first.status, first.reason)
    control = await controls.verdict(site, http)
    return weigh_control(first, control, controls.name)
