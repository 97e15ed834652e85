"""Where a set of maintained broker definitions comes from: a folder, a zip, or a GitHub folder.

DuckDuckGo publishes its data-broker definitions (Apache-2.0) as one JSON file per site in the
apple-browsers repository; ``DEFAULT_URL`` is that folder through GitHub's contents API, which
lists each file with a raw download address. Every request goes through ``fetch.http.Http``, so
the proxy, the fence (public addresses only, loopback only with ``allow_loopback``) and the
offline rule apply as they do to a scan. What comes back is only held in memory here, bounded in
count and size: a zip is read entry by entry, never extracted, and only ``*.json`` names count.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lowprofile.errors import InputError, NetError
from lowprofile.safe_text import json_from_outside

if TYPE_CHECKING:
    from lowprofile.fetch.http import Http

DDG_REPO = "duckduckgo/apple-browsers"
DDG_FOLDER = (
    "SharedPackages/DataBrokerProtectionCore/Sources/DataBrokerProtectionCore/BundleResources/JSON"
)
"""Source: the folder DuckDuckGo's browsers embed their broker definitions from (see
``../shared/data/ddg-brokers-2026-02/PROVENANCE.md``: the 2026-02 set was copied from it)."""
DEFAULT_REF = "main"
DEFAULT_URL = f"https://api.github.com/repos/{DDG_REPO}/contents/{DDG_FOLDER}"
MAX_FILES = 1000
"""More definitions than this is not a broker set (DuckDuckGo's has about 70)."""
MAX_SET_BYTES = 64 * 1024 * 1024
"""What a zip may unpack to, in all: a bound against a compression bomb."""
_GITHUB_TREE = re.compile(r"^https://github\.com/([^/]+)/([^/]+)/tree/([^/]+)/(.+?)/?$")
_API_CONTENTS = re.compile(r"^https://api\.github\.com/repos/([^/]+)/([^/]+)/contents/")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class SetError(InputError):
    """A definition set that cannot be read: the folder, zip or listing is not one."""


@dataclass(frozen=True)
class DefinitionSet:
    """The raw definition files of one set, and where they came from."""

    files: dict[str, bytes]
    """File name (``spokeo.com.json``) -> its bytes, as published."""
    source: str
    ref: str | None = None
    commit: str | None = None
    notes: list[str] = field(default_factory=list)
    """What could not be learnt (a commit the API would not give), said to the person."""


def _json_names(names: list[str], where: str) -> list[str]:
    chosen = [n for n in names if n.endswith(".json") and not PurePosixPath(n).name.startswith(".")]
    if not chosen:
        raise SetError(f"{where}: no *.json definition files")
    if len(chosen) > MAX_FILES:
        raise SetError(f"{where}: {len(chosen)} files, more than a broker set ({MAX_FILES})")
    return chosen


def read_folder(folder: Path, ref: str | None = None) -> DefinitionSet:
    """A local folder of ``*.json`` definitions (``--ref`` only names its version)."""
    if not folder.is_dir():
        raise SetError(f"{folder}: not a folder of definitions")
    names = _json_names(sorted(p.name for p in folder.glob("*.json")), str(folder))
    try:
        files = {name: (folder / name).read_bytes() for name in names}
    except OSError as exc:
        raise SetError(f"{folder}: cannot read: {exc}") from exc
    return DefinitionSet(files, str(folder.resolve()), ref)


def read_zip(data: bytes, source: str, ref: str | None = None) -> DefinitionSet:
    """The ``*.json`` entries of a zip (one folder of them; nested paths are flattened)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SetError(f"{source}: not a zip: {exc}") from exc
    entries = {i.filename: i for i in archive.infolist() if not i.is_dir()}
    names = _json_names(sorted(entries), source)
    if sum(entries[n].file_size for n in names) > MAX_SET_BYTES:
        raise SetError(f"{source}: unpacks to more than {MAX_SET_BYTES} bytes")
    files: dict[str, bytes] = {}
    for name in names:
        base = PurePosixPath(name).name
        if base in files:
            raise SetError(f"{source}: two definitions named {base}")
        try:  # the entry's declared size bounds what is unpacked
            files[base] = archive.read(entries[name])
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise SetError(f"{source}: {name}: cannot unpack: {exc}") from exc
    return DefinitionSet(files, source, ref)


def with_ref(url: str, ref: str | None) -> tuple[str, str | None]:
    """The listing URL for ``ref``, and the ref it names: a GitHub folder page becomes its
    contents API address; an API address takes ``?ref=``; other URLs are used as they are."""
    tree = _GITHUB_TREE.match(url)
    if tree:
        owner, repo, tree_ref, path = tree.groups()
        url = f"https://api.github.com/repos/{owner}/{repo}/contents/{path}"
        ref = ref or tree_ref
    if not _API_CONTENTS.match(url):
        return url, ref
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    ref = ref or query.get("ref") or DEFAULT_REF
    query["ref"] = ref
    return urlunsplit(parts._replace(query=urlencode(query))), ref


async def _get(http: Http, url: str, accept: str = "application/json") -> bytes:
    try:
        response = await http.get(url, headers={"Accept": accept})
    except NetError as exc:
        raise NetError(f"could not fetch {url}: {exc}", url=url) from exc
    if response.status_code != 200:
        raise NetError(f"could not fetch {url}: HTTP {response.status_code}", url=url)
    return response.content


async def fetch_set(http: Http, url: str, ref: str | None = None) -> DefinitionSet:
    """The set at ``url``: a zip, or a folder listing in GitHub's contents format (a JSON list
    of ``{name, type, download_url}``) whose ``*.json`` files are then fetched one by one."""
    listing_url, ref = with_ref(url, ref)
    body = await _get(http, listing_url)
    if body.startswith(b"PK\x03\x04"):
        return read_zip(body, url, ref)
    try:
        listing: Any = json_from_outside(body)
    except ValueError as exc:
        raise SetError(f"{listing_url}: neither a zip nor a folder listing: {exc}") from exc
    if not isinstance(listing, list):
        message = listing.get("message") if isinstance(listing, dict) else None
        raise SetError(
            f"{listing_url}: not a folder listing" + (f" ({message})" if message else "")
        )
    wanted = {
        str(entry["name"]): str(entry["download_url"])
        for entry in listing
        if isinstance(entry, dict)
        and entry.get("type", "file") == "file"
        and isinstance(entry.get("name"), str)
        and isinstance(entry.get("download_url"), str)
    }
    names = _json_names(sorted(wanted), listing_url)
    files = {name: await _get(http, wanted[name], "*/*") for name in names}
    commit, notes = await _commit_of(http, listing_url, ref)
    return DefinitionSet(files, url, ref, commit, notes)


async def _commit_of(http: Http, listing_url: str, ref: str | None) -> tuple[str | None, list[str]]:
    """The commit a GitHub ref names now (so the manifest says exactly what was installed);
    None with a note where it cannot be had: the definitions still install."""
    api = _API_CONTENTS.match(listing_url)
    if api is None or not ref:
        return None, []
    if _COMMIT.match(ref):
        return ref, []
    owner, repo = api.groups()
    url = f"https://api.github.com/repos/{owner}/{repo}/commits/{ref}"
    try:
        text = (await _get(http, url, "application/vnd.github.sha")).decode("ascii").strip()
    except (NetError, UnicodeDecodeError) as exc:
        return None, [f"the commit of {ref} is not known ({exc})"]
    if not _COMMIT.match(text):
        return None, [f"the commit of {ref} is not known ({url} did not answer a commit id)"]
    return text, []
