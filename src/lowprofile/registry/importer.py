"""Reading a data-broker registry CSV into a catalogue, row by row, never giving up on the file.

The state publishes the registry as a spreadsheet export whose column names are the questions of
the registration form (with non-breaking spaces, trailing colons, sometimes an annotation row
above them) and whose order changes from year to year. So columns are found by what their header
says, not by position, and the header row is found by looking for the broker-name column. A row
that cannot be used (wrong number of cells, no name, nothing to write to or visit) is reported
with the line it starts on and left out; the rest of the file still imports.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lowprofile.registry.catalogue import Catalogue, RegistryEntry
from lowprofile.registry.errors import RegistryError

HEADER_SCAN_ROWS = 5
"""The header is looked for in this many first rows (the 2025 file has one annotation row)."""
MAX_ROWS = 20_000
"""Rows a registry file may hold. California's has about 530; a file of a million rows took
88 s and 4 GB to import, so a file far past any real registry is refused before it is built."""
MAX_BYTES = 32 * 1024 * 1024
"""Bytes a registry file may hold (the 2025 file is 0.3 MB; 20,000 rows of its width would be
about 13 MB): refused before it is decoded."""

_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[A-Za-z]{2,}$")
_SPLIT = re.compile(r"[;,\r\n]+")

# Which column holds what: a predicate on the normalised header text (lowercase, single spaces,
# no trailing colon). Data, so a new registry layout is one line here.
COLUMNS: dict[str, Callable[[str], bool]] = {
    "name": lambda h: h.startswith("data broker name") or h in ("name", "company name"),
    "dba": lambda h: h.startswith("doing business as") or h == "dba",
    "website": lambda h: h.startswith("data broker primary website") or h == "website",
    "email": lambda h: "contact email" in h or h in ("email", "deletion email"),
    "optout_url": lambda h: ("exercise" in h and "rights" in h) or h in ("opt-out url", "url"),
    "agents": lambda h: "authorized agent" in h,
    "country": lambda h: h.startswith("data broker country") or h == "country",
}
_COLLECTS = "the data broker collects "
_NONE = ("", "n/a", "na", "none", "-")


def normalise_header(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").replace("\u00a0", " ").split()).lower().rstrip(":")


_REGULATED = re.compile(r"^the data broker or any of its subsidiaries is regulated by .*\((\w+)\)$")


def category_label(header: str) -> str | None:
    """``The data broker collects consumers' precise geolocation`` → ``precise geolocation``;
    ``... is regulated by the federal Fair Credit Reporting Act (FCRA)`` → ``FCRA-regulated``."""
    regulated = _REGULATED.match(header)
    if regulated:
        return f"{regulated.group(1).upper()}-regulated"
    if not header.startswith(_COLLECTS):
        return None
    label = header.removeprefix(_COLLECTS)
    for noise in ("consumers’ ", "consumers' ", "personal information of "):
        label = label.replace(noise, "")
    return label.strip() or None


@dataclass
class _Layout:
    header_index: int
    width: int
    columns: dict[str, int]
    categories: dict[int, str]


def _find_layout(rows: list[list[str]]) -> _Layout:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = [normalise_header(cell) for cell in row]
        columns: dict[str, int] = {}
        for position, header in enumerate(headers):
            for key, matches in COLUMNS.items():
                if key not in columns and matches(header):
                    columns[key] = position
                    break
        if "name" in columns:
            categories = {
                i: label for i, h in enumerate(headers) if (label := category_label(h)) is not None
            }
            return _Layout(index, len(row), columns, categories)
    raise RegistryError("no header row with a broker-name column in the first rows of the file")


def split_websites(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"[;\s]+", text) if part.strip())


def domain_of(url: str) -> str:
    """``https://www.Example.com/x`` → ``example.com``; "" when there is no host."""
    candidate = url.strip()
    if "://" not in candidate:
        candidate = "https://" + candidate
    try:
        host = urlsplit(candidate).hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    return host.removeprefix("www.") if "." in host else ""


def _yes_no(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("yes", "y", "true"):
        return True
    if value in ("no", "n", "false"):
        return False
    return None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "broker"


def _rows(text: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """Each row with the physical line it starts on; a row the csv module refuses is yielded as
    its error so the caller can report it and carry on."""
    reader = csv.reader(_lines(text), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, exc
        else:
            yield start, row
        start = reader.line_num + 1


def _lines(text: str) -> Iterator[str]:
    """``text`` line by line with its line endings, as ``csv`` reads a file opened with
    ``newline=""`` (a quoted cell may span lines), without the four-bytes-a-character copy a
    ``StringIO`` of the whole file would make."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end == -1:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _entry(cells: list[str], line: int, layout: _Layout, problems: list[str]) -> RegistryEntry:
    def cell(key: str) -> str:
        position = layout.columns.get(key)
        return cells[position].strip() if position is not None else ""

    name = " ".join(cell("name").split())
    if not name:
        raise ValueError("no broker name")
    emails: list[str] = []
    for raw in _SPLIT.split(cell("email")):
        address = raw.strip().removeprefix("mailto:")
        if not address:
            continue
        if _EMAIL.match(address):
            emails.append(address)
        else:
            problems.append(f"line {line}: {name}: {address!r} is not an email address; ignored")
    optout_url = cell("optout_url")
    if optout_url and not optout_url.lower().startswith(("http://", "https://")):
        problems.append(f"line {line}: {name}: opt-out link {optout_url[:60]!r} is not a web link")
        optout_url = ""
    websites = split_websites(cell("website"))
    if not emails and not optout_url:
        raise ValueError(f"{name}: no usable email address or opt-out link")
    domains = tuple(dict.fromkeys(d for w in websites if (d := domain_of(w))))
    categories = tuple(
        label
        for position, label in layout.categories.items()
        if position < len(cells) and _yes_no(cells[position])
    )
    return RegistryEntry(
        id="",
        name=name,
        dba="" if cell("dba").lower() in _NONE else " ".join(cell("dba").split()),
        websites=websites,
        domains=domains,
        emails=tuple(dict.fromkeys(emails)),
        optout_url=optout_url,
        accepts_agents=_yes_no(cell("agents")) if "agents" in layout.columns else None,
        categories=categories,
        country=cell("country"),
        line=line,
    )


def decode(data: bytes, where: str) -> str:
    """UTF-8 (with or without a byte-order mark); spreadsheet exports in cp1252 also happen."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise RegistryError(f"{where}: neither UTF-8 nor Windows-1252 text ({exc})") from exc


def parse_registry(text: str, source: str, now: datetime | None = None) -> Catalogue:
    """Every usable row as an entry; every unusable one as ``line N: why`` in ``problems``."""
    rows: list[tuple[int, list[str] | csv.Error]] = []
    for numbered in _rows(text):
        if len(rows) == MAX_ROWS + HEADER_SCAN_ROWS:
            raise RegistryError(
                f"{source}: more than {MAX_ROWS:,} rows; a state registry has hundreds, so this "
                "file is refused"
            )
        rows.append(numbered)
    layout = _find_layout([row for _, row in rows if isinstance(row, list)])
    catalogue = Catalogue(source=source, imported=(now or datetime.now(UTC)).isoformat())
    seen: dict[str, int] = {}
    read = 0
    for line, row in rows:
        if isinstance(row, csv.Error):
            catalogue.problems.append(f"line {line}: unreadable CSV ({row}); skipped")
            continue
        read += 1
        if read <= layout.header_index + 1:
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != layout.width:
            catalogue.problems.append(
                f"line {line}: {len(row)} cells where the header has {layout.width}; skipped"
            )
            continue
        warnings: list[str] = []
        try:
            entry = _entry(row, line, layout, warnings)
        except ValueError as exc:
            catalogue.problems.append(f"line {line}: {exc}; skipped")
            continue
        catalogue.problems += warnings
        base = slug(entry.label if entry.dba else entry.name)
        seen[base] = seen.get(base, 0) + 1
        identifier = base if seen[base] == 1 else f"{base}-{seen[base]}"
        catalogue.entries.append(replace(entry, id=identifier))
    if not catalogue.entries:
        raise RegistryError(f"{source}: no usable broker rows ({len(catalogue.problems)} skipped)")
    return catalogue


def read_source(source: str) -> bytes:
    """The bytes of a registry file: a local path, or an http(s) URL fetched through the shared
    client (the one request this command makes)."""
    if source.startswith(("http://", "https://")):
        import asyncio

        from lowprofile.config import load_settings
        from lowprofile.errors import NetError
        from lowprofile.fetch.http import Http

        async def download() -> bytes:
            async with Http(load_settings()) as http:
                response = await http.get(source)
            if response.status_code != 200:
                raise RegistryError(f"{source}: HTTP {response.status_code}")
            return response.content

        try:
            return asyncio.run(download())
        except NetError as exc:
            raise RegistryError(f"{source}: {exc}") from exc
    try:
        with open(source, "rb") as handle:
            return handle.read(MAX_BYTES + 1)  # enough to know it is too large
    except OSError as exc:
        raise RegistryError(f"{source}: {exc.strerror or exc}") from exc


def import_registry(source: str, now: datetime | None = None) -> Catalogue:
    """Read and parse a registry file or URL; one past the caps is refused, in one line."""
    data = read_source(source)
    if len(data) > MAX_BYTES:
        raise RegistryError(
            f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MB; a state registry is far "
            "smaller, so this file is refused"
        )
    return parse_registry(decode(data, source), source, now)
