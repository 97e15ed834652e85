"""WhatsMyName's site list: where it comes from, how it is checked, and one Site per entry.

Three places can hold a list, in this order: a file the user names (``--sites FILE``), the copy
``lowprofile usernames update`` keeps in the data folder, and the copy shipped in this package
(CC BY-SA 4.0, see ``data/PROVENANCE.md``). A file is checked against WhatsMyName's own JSON
Schema and then against our rules: a site must say where ``{account}`` goes, and it must be
https on a public host. Loopback hosts over plain http are only allowed with
``LOWPROFILE_ALLOW_LOOPBACK=1`` (local test servers), so a downloaded or hand-written list can
never point the scanner at services on the user's own machine.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from lowprofile.config import data_dir
from lowprofile.errors import ConfigError
from lowprofile.fetch.fence import Reach, is_loopback, place
from lowprofile.safe_text import json_from_outside
from lowprofile.usernames import listcache

ACCOUNT = "{account}"
SENSITIVE_CATEGORIES = frozenset({"xx nsfw xx", "dating"})
"""Accounts here say something intimate about a person: they are flagged and weigh more."""
ALLOW_LOOPBACK_ENV = "LOWPROFILE_ALLOW_LOOPBACK"
DATA_FILE = "wmn-data.json"
SCHEMA_FILE = "wmn-data-schema.json"
SHIPPED_SHA256 = "779922223756f47d1512f81a5a2d0c69d19418fe5df1a2a9406c7cf18cf68f34"
"""The shipped list's bytes, as ``data/PROVENANCE.md`` records them; the tests check these
very bytes against the shipped schema (``tests/usernames/test_usernames_vouched.py``)."""


class SiteListError(ConfigError):
    """A site list that cannot be used: unreadable, not WhatsMyName's format, or unsafe."""


@dataclass(frozen=True)
class Site:
    """One WhatsMyName entry: how to ask for a username, and how to read the answer."""

    name: str
    uri_check: str
    e_code: int
    e_string: str
    m_code: int
    m_string: str
    category: str
    known: tuple[str, ...] = ()
    uri_pretty: str | None = None
    post_body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    strip_bad_char: str = ""
    protection: tuple[str, ...] = ()

    @property
    def sensitive(self) -> bool:
        return self.category.lower() in SENSITIVE_CATEGORIES

    @functools.cached_property
    def secure(self) -> bool:
        """True for https (and for loopback test servers, which only load when allowed); plain
        http to a real site would show the username to anyone on the path. Worked out once per
        site: the checker asks it of every site for every name, and judging an address is slow
        (a 300-site stand-in on loopback addresses spent 20 ms on it before its first request)."""
        if self.uri_check.startswith("https://"):
            return True
        return is_loopback(urlsplit(self.uri_check.replace(ACCOUNT, "x")).hostname or "")

    @property
    def name_in_host(self) -> bool:
        """The username is part of the host asked (``{account}.example.com``): such a host
        is never kept anywhere, not even in the host memory (``fetch.memory``)."""
        return ACCOUNT in urlsplit(self.uri_check).netloc

    def clean(self, username: str) -> str:
        """The username as this site spells it: ``strip_bad_char`` lists characters it drops
        (a dot cannot be part of a subdomain, for instance)."""
        return "".join(ch for ch in username if ch not in self.strip_bad_char)

    def profile_url(self, username: str) -> str:
        """The page a person opens to see the account (``uri_pretty``, else ``uri_check``)."""
        return (self.uri_pretty or self.uri_check).replace(ACCOUNT, self.url_name(username))

    def url_name(self, username: str) -> str:
        """The username as it goes into this site's URL: cleaned, then escaped whole, so a name
        like ``x/../../y?z#w`` stays one path segment and never moves the link elsewhere."""
        return quote(self.clean(username), safe="")


@dataclass(frozen=True)
class SiteList:
    """The sites of one list, the entries that were left out and why, and where it came from."""

    sites: tuple[Site, ...]
    problems: tuple[str, ...]
    source: str
    categories: tuple[str, ...] = ()

    def without_categories(self, skipped: list[str]) -> SiteList:
        """The list minus the sites of ``skipped`` categories (case-insensitive)."""
        lowered = {c.lower() for c in skipped}
        kept = tuple(s for s in self.sites if s.category.lower() not in lowered)
        return SiteList(kept, self.problems, self.source, self.categories)

    def only(self, names: list[str]) -> tuple[SiteList, list[str]]:
        """The sites named in ``names`` (case-insensitive), and the names that matched none."""
        lowered = {n.lower(): n for n in names}
        kept = tuple(s for s in self.sites if s.name.lower() in lowered)
        found = {s.name.lower() for s in kept}
        missing = [original for low, original in lowered.items() if low not in found]
        return SiteList(kept, self.problems, self.source, self.categories), missing


def shipped_data_dir() -> Path:
    """The folder of WhatsMyName files that came with this installation (package data)."""
    return Path(str(resources.files("lowprofile.usernames") / "data"))


def updated_data_path() -> Path:
    """Where ``lowprofile usernames update`` keeps the newest list."""
    return data_dir() / "whatsmyname" / DATA_FILE


def schema_path(path: Path | None) -> Path:
    """The schema file that checks ``path``: the one beside it, else the shipped one."""
    beside = path.parent / SCHEMA_FILE if path is not None else None
    return beside if beside is not None and beside.is_file() else shipped_data_dir() / SCHEMA_FILE


def schema_for(path: Path | None) -> dict[str, Any]:
    """The schema beside ``path`` when there is one (an updated list brings its own), else the
    shipped one. A schema beside a list is input like the list: one that cannot be read, is not
    a JSON Schema, or points outside itself (a ``$ref`` to a URL) is a SiteListError."""
    chosen = schema_path(path)
    try:
        schema = json.loads(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiteListError(f"{chosen}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SiteListError(f"{chosen}: not JSON: {exc}") from exc
    problem = _schema_problem(schema)
    if problem:
        raise SiteListError(f"{chosen}: not a usable JSON Schema: {problem}")
    return dict(schema)


def _schema_problem(schema: object) -> str | None:
    """Why ``schema`` cannot check a list, or None."""
    import jsonschema

    if not isinstance(schema, dict):
        return "not an object"
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return exc.message[:200]
    pending: list[object] = [schema]
    while pending:  # a $ref must stay inside the schema: older jsonschema fetches URLs
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return f"$ref {ref[:80]!r} points outside the schema"
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return None


def schema_errors(data: Any, schema: dict[str, Any] | None = None) -> list[str]:
    """WhatsMyName's own schema, applied as their CI applies it; one line per violation. A
    schema that fails while checking (a local ``$ref`` to nothing) is a SiteListError."""
    import jsonschema

    validator = jsonschema.Draft7Validator(schema_for(None) if schema is None else schema)
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    except Exception as exc:  # a checked schema can still fail in ways jsonschema does not type
        raise SiteListError(f"the schema cannot check the list: {exc}") from exc
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message[:200]}"
        for error in errors
    ]


def url_problem(url: str, loopback: bool = False) -> str | None:
    """Why this URL may not be requested, or None. ``{account}`` may sit in the host;
    ``loopback``: the setting ``allow_loopback``, passed in by whoever read the settings."""
    parts = urlsplit(url.replace(ACCOUNT, "x"))
    if not parts.hostname:
        return "has no host"
    where = place(parts.hostname)
    if where.reach is Reach.LOOPBACK and loopback:
        return None if parts.scheme in ("http", "https") else "must be http(s)"
    if not where.public:
        return f"points at an internal address ({where.host}); set {ALLOW_LOOPBACK_ENV}=1 for tests"
    return None


def site_from_entry(entry: dict[str, Any], loopback: bool = False) -> Site:
    """One schema-valid entry as a Site; raises ValueError for what the schema cannot say. Every
    type is checked here too: the schema beside a list may be one that lets anything through."""
    uri = _text(entry, "uri_check")
    body = _text(entry, "post_body", None)
    if ACCOUNT not in uri and (body is None or ACCOUNT not in body):
        raise ValueError("neither uri_check nor post_body has an {account} placeholder")
    problem = url_problem(uri, loopback)
    if problem:
        raise ValueError(f"uri_check {problem}")
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError("headers: not an object of names and text values")
    return Site(
        name=_text(entry, "name"),
        uri_check=uri,
        e_code=_code(entry, "e_code"),
        e_string=_text(entry, "e_string"),
        m_code=_code(entry, "m_code"),
        m_string=_text(entry, "m_string"),
        category=_text(entry, "cat"),
        known=_texts(entry, "known"),
        uri_pretty=_text(entry, "uri_pretty", None),
        post_body=body,
        headers=tuple((str(k), v) for k, v in headers.items()),
        strip_bad_char=_text(entry, "strip_bad_char", ""),
        protection=_texts(entry, "protection"),
    )


_MISSING: Any = object()


def _text(entry: dict[str, Any], key: str, default: Any = _MISSING) -> Any:
    """``entry[key]`` as text; ``default`` when absent (or null) if one is given."""
    value = entry.get(key)
    if value is None and default is not _MISSING:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{key}: not text")
    return value


def _code(entry: dict[str, Any], key: str) -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{key}: not an HTTP status code")
    return int(value)


def _texts(entry: dict[str, Any], key: str) -> tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key}: not a list of text")
    return tuple(value)


def parse_site_list(
    data: Any, source: str, schema: dict[str, Any] | None = None, *, loopback: bool = False
) -> SiteList:
    """A whole list: schema errors refuse the file; one odd site only leaves that site out."""
    errors = schema_errors(data, schema)
    if errors:
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        shown = "; ".join(errors[:3]) + more
        raise SiteListError(f"{source}: not a WhatsMyName site list: {shown}")
    return sites_of(data, source, loopback=loopback)


def sites_of(data: Any, source: str, *, loopback: bool = False) -> SiteList:
    """A list through our own rules only (where ``{account}`` goes, which hosts may be asked):
    for a list that passed WhatsMyName's schema, or that was checked against it before it
    shipped (``vouched_for``)."""
    if not isinstance(data, dict) or not isinstance(data.get("sites"), list):
        raise SiteListError(f"{source}: not a WhatsMyName site list: no 'sites' array")
    sites: list[Site] = []
    problems: list[str] = []
    for index, entry in enumerate(data["sites"]):
        if not isinstance(entry, dict) or entry.get("valid") is False:
            continue  # WhatsMyName's own mark for an entry known to be broken
        try:
            sites.append(site_from_entry(entry, loopback))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{source}: sites/{index} ({entry.get('name')}): {exc}")
    categories = data.get("categories") or []
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        why = "categories: not a list of text"
        raise SiteListError(f"{source}: not a WhatsMyName site list: {why}")
    return SiteList(tuple(sites), tuple(problems), source, tuple(categories))


def read_site_file(path: Path, *, loopback: bool = False) -> SiteList:
    """Read and check one file in WhatsMyName's format (checked once per version of the file:
    the schema check of 700 sites takes half a second)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise SiteListError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return _read_checked(path, info.st_mtime_ns, info.st_size, loopback)


@functools.lru_cache(maxsize=8)
def _read_checked(path: Path, mtime_ns: int, size: int, loopback: bool) -> SiteList:
    """The checked list, from the kept outcome of an earlier check of these very bytes when
    there is one (``listcache``), else checked in full and kept for the next run."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SiteListError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    key = _checked_key(path, raw, loopback)
    if key is not None:
        kept = _from_kept(listcache.recall(path, key))
        if kept is not None:
            return kept
    try:
        data = json_from_outside(raw.decode("utf-8"))
    except ValueError as exc:  # not UTF-8, not JSON, or nested too deep
        raise SiteListError(f"{path}: not JSON: {exc}") from exc
    if vouched_for(path, raw):
        checked = sites_of(data, str(path), loopback=loopback)
    else:
        checked = parse_site_list(data, str(path), schema_for(path), loopback=loopback)
    if key is not None:
        listcache.remember(path, key, _to_kept(checked))
    return checked


def vouched_for(path: Path, raw: bytes) -> bool:
    """True for the list shipped with lowprofile, byte for byte as released: the tests check
    exactly these bytes against WhatsMyName's schema, so a person's first run need not (the
    schema check of 700 sites and the import of jsonschema cost about a quarter of a second).
    Any other file (a list the person names, the copy ``usernames update`` keeps) and a
    shipped file changed since it was released are checked in full; our own rules hold for
    every list."""
    if path != shipped_data_dir() / DATA_FILE:
        return False
    return hashlib.sha256(raw).hexdigest() == SHIPPED_SHA256


_SITE_FORM = ",".join(f.name for f in fields(Site))


def _checked_key(path: Path, raw: bytes, loopback: bool) -> str | None:
    """What the check of ``raw`` depends on, as one key; None when the schema that would check
    it cannot be read (the full check then says why)."""
    try:
        schema = schema_path(path).read_bytes()
    except OSError:
        return None
    return listcache.checked_key(str(path), raw, schema, str(loopback), _SITE_FORM)


def _to_kept(checked: SiteList) -> dict[str, Any]:
    return {
        "sites": [asdict(site) for site in checked.sites],
        "problems": list(checked.problems),
        "source": checked.source,
        "categories": list(checked.categories),
    }


def _from_kept(kept: dict[str, Any] | None) -> SiteList | None:
    """The list a kept outcome holds, or None when it does not hold one (then it is checked
    again, as if new)."""
    if kept is None:
        return None
    try:
        sites = tuple(_kept_site(values) for values in kept["sites"])
        return SiteList(
            sites,
            tuple(str(p) for p in kept["problems"]),
            str(kept["source"]),
            tuple(str(c) for c in kept["categories"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _kept_site(values: dict[str, Any]) -> Site:
    """A Site from its kept fields (JSON has lists where a Site holds tuples)."""
    values = dict(values)
    for name in ("known", "protection"):
        values[name] = tuple(values[name])
    values["headers"] = tuple((str(k), str(v)) for k, v in values["headers"])
    return Site(**values)


def load_sites(path: Path | None = None, *, loopback: bool = False) -> SiteList:
    """The list to run: ``path`` if given, else the updated copy, else the shipped one.
    ``loopback`` (the setting ``allow_loopback``) lets sites on this machine in, for tests.

    A broken updated copy does not stop a scan: the shipped list is used and the problem is
    carried along so the report can say so."""
    if path is not None:
        return read_site_file(path, loopback=loopback)
    updated = updated_data_path()
    if updated.is_file():
        try:
            return read_site_file(updated, loopback=loopback)
        except SiteListError as exc:
            shipped = read_site_file(shipped_data_dir() / DATA_FILE, loopback=loopback)
            note = f"{exc}; using the list shipped with lowprofile instead"
            return SiteList(shipped.sites, (note, *shipped.problems), shipped.source)
    return read_site_file(shipped_data_dir() / DATA_FILE, loopback=loopback)
