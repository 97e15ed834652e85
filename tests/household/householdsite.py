"""A people-search site on 127.0.0.1 for the household tests: Jane Doe (the user) is not
listed; her husband John Doe (the member) is listed twice.

``/people``: John's card names Jane among his relatives and shows their shared street address:
a link to her. ``/kin``: John's card at his old address names a Jane Doe of Denver, a namesake
of hers: no link.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from helpers.localserver import PageHandler, running

NO_RESULTS = b'<html><body><div id="no-results">No records found</div></body></html>'

CARD = """<div class="card"><span class="name">John Doe</span><span class="age">Age 45</span>
<span class="place">Austin, TX</span><span class="address">{address}</span>
{relatives}<a class="profile" href="{base}/person/john-doe-{site}">View</a></div>"""

PAGES = {
    "people": ("12 Elm Street, Austin, TX 78701", ["Jane Doe", "Mary Doe"]),
    "kin": ("40 Birch Rd, Austin, TX 78702", ["Jane Doe (Denver, CO)", "Mary Doe"]),
}
"""Each site's card of John: his address there and his relatives as the site shows them."""

RECIPE = """id = "{id}"
name = "Local {id}"
domain = "{id}.example"
category = "people-search"
verified = true

[search]
url = "{base}/{id}/search?name={{first}}-{{last}}&where={{city}}-{{state}}"

[parse]
cards = [".card"]
no_results_selectors = ["#no-results"]

[parse.fields.name]
selectors = [".name"]

[parse.fields.age]
selectors = [".age"]
after = "Age"

[parse.fields.locations]
selectors = [".place"]
all = true

[parse.fields.addresses]
selectors = [".address"]
all = true

[parse.fields.relatives]
selectors = [".relative"]
all = true

[parse.fields.url]
selectors = [".profile"]
attribute = "href"

[optout]
url = "https://{id}.example/optout"
method = "web form"

[canary]
name = "John Smith"
city = "Chicago"
state = "IL"
"""


class HouseholdSite:
    """The running site: its base URL and each search's (arrival time, site, name)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.searches: list[tuple[float, str, str]] = []


def _card(site: str, base: str) -> bytes:
    address, relatives = PAGES[site]
    shown = "".join(f'<span class="relative">{r}</span>' for r in relatives)
    card = CARD.format(address=address, relatives=shown, base=base, site=site)
    return f"<html><body>{card}</body></html>".encode()


@contextmanager
def serve() -> Iterator[HouseholdSite]:
    holder: list[HouseholdSite] = []

    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            parts = urlsplit(self.path)
            site = parts.path.strip("/").split("/")[0]
            name = parse_qs(parts.query).get("name", [""])[0]
            holder[0].searches.append((time.monotonic(), site, name))
            if site in PAGES and name.lower() == "john-doe":
                self._send(200, _card(site, holder[0].base))
            elif site in PAGES:
                self._send(200, NO_RESULTS)
            else:
                self._send(404, b"<html><body>not here</body></html>")

    with running(Handler) as server:
        holder.append(HouseholdSite(f"http://127.0.0.1:{server.server_address[1]}"))
        yield holder[0]


def write_recipes(folder: Path, base: str) -> None:
    """The user broker files for both sites."""
    folder.mkdir(parents=True, exist_ok=True)
    for broker in PAGES:
        (folder / f"{broker}.toml").write_text(RECIPE.format(id=broker, base=base), "utf-8")


USER_PROFILE = """schema_version = 1
birth_year = 1983
names = [{ first = "Jane", last = "Doe" }]
addresses = [{ street = "12 Elm St", city = "Austin", state = "TX", current = true }]
"""
MEMBER_PROFILE = """schema_version = 1
birth_year = 1980
names = [{ first = "John", last = "Doe" }]
addresses = [{ street = "12 Elm St", city = "Austin", state = "TX", current = true }]
"""


def write_profiles(folder: Path) -> tuple[Path, Path]:
    """The user's profile and her husband's, each a file of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    you, member = folder / "jane.toml", folder / "john.toml"
    you.write_text(USER_PROFILE, "utf-8")
    member.write_text(MEMBER_PROFILE, "utf-8")
    return you, member
