"""Fetching the newest site list from WhatsMyName, checked before it replaces anything.

The new ``wmn-data.json`` must be valid JSON, pass WhatsMyName's own schema (the newest schema is
fetched beside it; the shipped one is used, and said so, if that cannot be fetched or is not a
schema) and our own rules, and keep at least a
reasonable share of the sites we already have, so a truncated or hijacked file cannot silently
empty the scan. Only then is it written beside the old copy and renamed over it; the shipped
list stays in the package as the fallback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lowprofile.errors import NetError
from lowprofile.files import ensure_private_dir, write_private
from lowprofile.safe_text import json_from_outside
from lowprofile.usernames.sites import (
    DATA_FILE,
    SCHEMA_FILE,
    SiteListError,
    load_sites,
    parse_site_list,
    schema_for,
    updated_data_path,
)

if TYPE_CHECKING:
    from lowprofile.fetch.http import Http

UPSTREAM = "https://raw.githubusercontent.com/WebBreacher/WhatsMyName/main"
DATA_URL = f"{UPSTREAM}/{DATA_FILE}"
SCHEMA_URL = f"{UPSTREAM}/{SCHEMA_FILE}"
MIN_SHARE = 0.5
"""A new list with fewer than half the sites of the current one is refused as suspicious."""


@dataclass(frozen=True)
class UpdateResult:
    """Where the new list went, and how many usable sites the old and new lists hold."""

    path: Path
    before: int
    after: int
    note: str = ""
    """Why the list was checked against the shipped schema instead of the newest one."""


async def _fetch_json(http: Http, url: str) -> Any:
    try:
        response = await http.get(url)
    except NetError as exc:
        raise SiteListError(f"could not fetch {url}: {exc}") from exc
    if response.status_code != 200:
        raise SiteListError(f"could not fetch {url}: HTTP {response.status_code}")
    try:
        return json_from_outside(response.text)
    except ValueError as exc:
        raise SiteListError(f"{url}: not JSON: {exc}") from exc


async def update_sites(
    http: Http, url: str = DATA_URL, schema_url: str = SCHEMA_URL
) -> UpdateResult:
    """Download, check and atomically install the newest list and its schema; raise
    SiteListError if either is unfit (nothing is replaced then)."""
    loopback = http.settings.allow_loopback
    current = load_sites(loopback=loopback)
    schema, note = await _newest_schema(http, schema_url)
    data = await _fetch_json(http, url)
    fresh = parse_site_list(data, url, schema, loopback=loopback)
    if len(fresh.sites) < MIN_SHARE * len(current.sites):
        raise SiteListError(
            f"{url}: only {len(fresh.sites)} usable sites against {len(current.sites)} now; "
            "refusing it as truncated"
        )
    path = updated_data_path()
    ensure_private_dir(path.parent)

    def verify(tmp: Path) -> None:
        parse_site_list(
            json.loads(tmp.read_text(encoding="utf-8")), str(tmp), schema, loopback=loopback
        )

    # The schema first: a list is always read with the schema beside it, and the new schema
    # accepts the new list (checked above) before either file is in place.
    write_private(path.parent / SCHEMA_FILE, json.dumps(schema, indent=2))
    write_private(path, json.dumps(data, ensure_ascii=False, indent=2), verify=verify)
    return UpdateResult(path, len(current.sites), len(fresh.sites), note)


async def _newest_schema(http: Http, schema_url: str) -> tuple[dict[str, Any], str]:
    """The newest schema, or the shipped one with the reason when the newest cannot be had: an
    unreachable schema must not stop an update whose list the shipped schema can still check
    (the list itself is fetched and checked all the same)."""
    try:
        schema = await _fetch_json(http, schema_url)
        if not isinstance(schema, dict) or "properties" not in schema:
            raise SiteListError(f"{schema_url}: not a JSON Schema")
    except SiteListError as exc:
        return schema_for(None), f"{exc}; checked against the schema shipped with lowprofile"
    return schema, ""
