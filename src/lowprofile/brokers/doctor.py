"""Canary searches: is each recipe still reading its site, or has the site moved on?

A common name in a big city should always return listings. If it does not, the recipe is stale
(``changed``) or the site blocks us (``blocked``): both are worth knowing before a user's scan
quietly stops finding anything.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lowprofile.brokers.schema import Broker
from lowprofile.brokers.search import fetch_and_read, fill
from lowprofile.brokers.template import MissingValue, Query
from lowprofile.config import Settings
from lowprofile.errors import NetError, RateLimited
from lowprofile.fetch.http import Http
from lowprofile.results import Status
from lowprofile.subject import Address, Name


async def _one(http: Http, broker: Broker) -> dict[str, Any]:
    row: dict[str, Any] = {"id": broker.id, "health": "manual", "detail": "", "url": None}
    if not broker.automatic or broker.canary is None:
        row["detail"] = "no automatic search to check"
        return row
    if broker.search.mode == "steps":
        row["detail"] = "its search is played as steps in the browser: `scan --site` checks it"
        return row
    canary = broker.canary
    query = Query(Name.parse(canary.name), Address(city=canary.city, state=canary.state), 40)
    try:
        search = fill(broker, query)
    except MissingValue as exc:
        row.update(health="error", detail=f"canary lacks {exc.variable}")
        return row
    row["url"] = search.url
    try:
        reading = (await fetch_and_read(http, broker, search)).reading
    except NetError as exc:
        row.update(health="blocked" if isinstance(exc, RateLimited) else "error", detail=str(exc))
        return row
    if reading.status is Status.FOUND and reading.drifted:
        row.update(health="drifting", detail=reading.reason)
    elif reading.status is Status.FOUND:
        row.update(health="ok", detail=f"{len(reading.listings)} listing(s) parsed")
    elif reading.status is Status.BLOCKED:
        row.update(health="blocked", detail=reading.reason)
    elif reading.status is Status.NOT_FOUND:
        row.update(health="changed", detail="a canary name found nobody: the recipe may be stale")
    elif reading.status is Status.ERROR:
        row.update(health="error", detail=reading.reason)
    else:
        row.update(health="changed", detail=reading.reason)
    return row


async def run_doctor(brokers: list[Broker], settings: Settings) -> list[dict[str, Any]]:
    async with Http(settings) as http:
        return list(await asyncio.gather(*(_one(http, b) for b in brokers)))
