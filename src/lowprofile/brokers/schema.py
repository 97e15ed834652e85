"""The broker file format as typed data, and its validator.

A broker file is data written by people who are not necessarily programmers, and a user may drop
their own into the config folder, so every problem is reported as ``file:key: message`` and all
problems of a file are reported at once. ``brokers/README.md`` documents the format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowprofile.errors import BrokerFileError

CATEGORIES = ("people-search", "background-check", "phone-lookup", "marketing", "public-records")
OPTOUT_METHODS = ("web form", "email", "mail", "phone", "account")
FIELD_NAMES = ("name", "age", "locations", "addresses", "phones", "emails", "relatives", "url")
LIST_FIELDS = ("locations", "addresses", "phones", "emails", "relatives")
TEMPLATE_VARIABLES = ("first", "middle", "last", "city", "state", "state_full", "zip", "age")
TEMPLATE_FILTERS = (
    "lower",
    "upper",
    "title",
    "hyphen",
    "underscore",
    "plus",
    "compact",
    "raw",
    "optional",
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class FieldRule:
    """How to read one field out of a result card: selectors tried in order, then trimming."""

    selectors: tuple[str, ...]
    all: bool = False
    """Collect every match (a list field) instead of the first."""
    after: str = ""
    """Keep the text after this marker (e.g. ``Age:``)."""
    before: str = ""
    """Keep the text before this marker (e.g. ``,`` after a name)."""
    separator: str = ""
    """Split one element's text into several values."""
    attribute: str = ""
    """Read this attribute instead of the text (``href`` for profile links)."""


@dataclass(frozen=True)
class SearchSpec:
    mode: str
    """``auto`` (fetch and parse) or ``manual`` (give the user a prefilled link)."""
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    @property
    def variables(self) -> set[str]:
        return {
            p.split("|")[0] for p in _PLACEHOLDER.findall(self.url + " ".join(self.form.values()))
        }


@dataclass(frozen=True)
class ParseSpec:
    cards: tuple[str, ...] = ()
    fields: dict[str, FieldRule] = field(default_factory=dict)
    no_results_text: tuple[str, ...] = ()
    no_results_selectors: tuple[str, ...] = ()
    no_results_status: tuple[int, ...] = ()
    blocked_text: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptOutSpec:
    url: str
    method: str
    email: str = ""
    requires: tuple[str, ...] = ()
    days: int | None = None
    recheck_days: int = 30
    notes: str = ""


@dataclass(frozen=True)
class Canary:
    name: str
    city: str
    state: str


@dataclass(frozen=True)
class Broker:
    """One data-broker or people-search site, as its broker file describes it."""

    id: str
    name: str
    domain: str
    category: str
    search: SearchSpec
    optout: OptOutSpec
    parent: str = ""
    jurisdictions: tuple[str, ...] = ("US",)
    mirrors: tuple[str, ...] = ()
    covered_by: str = ""
    """Id or domain of the site whose opt-out also removes this one."""
    verified: bool = False
    parse: ParseSpec = field(default_factory=ParseSpec)
    canary: Canary | None = None
    source: str = ""
    """The file this came from, for messages."""

    @property
    def automatic(self) -> bool:
        return self.search.mode == "auto"

    @property
    def group(self) -> str:
        """What one opt-out request covers: the parent company, else the site itself."""
        return self.parent or self.name


class _Problems:
    """Collects ``file:key: message`` lines so a file reports all its problems at once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.lines.append(f"{self.source}:{key}: {message}")


def _table(data: dict[str, Any], key: str, problems: _Problems, required: bool = True) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(key, "missing table")
        return {}
    if not isinstance(value, dict):
        problems.add(key, "must be a table")
        return {}
    return value


_ALLOWED = {
    "search": {"mode", "url", "method", "headers", "form"},
    "parse": {"cards", "fields", "no_results_text", "no_results_selectors", "no_results_status",
              "blocked_text"},
    "optout": {"url", "method", "email", "requires", "days", "recheck_days", "notes"},
    "canary": {"name", "city", "state"},
}  # fmt: skip


def _unknown_keys(table: dict[str, Any], section: str, problems: _Problems) -> None:
    for key in sorted(set(table) - _ALLOWED[section]):
        problems.add(f"{section}.{key}", "unknown key")


def _str(
    data: dict[str, Any], key: str, problems: _Problems, prefix: str, required: bool = True
) -> str:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(prefix + key, "missing")
        return ""
    if not isinstance(value, str):
        problems.add(prefix + key, f"must be a string, got {type(value).__name__}")
        return ""
    if required and not value.strip():
        problems.add(prefix + key, "must not be empty")
    return value


def _strings(data: dict[str, Any], key: str, problems: _Problems, prefix: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(prefix + key, "must be a string or a list of strings")
        return ()
    return tuple(value)


def _int(data: dict[str, Any], key: str, problems: _Problems, prefix: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        problems.add(prefix + key, "must be a whole number of days (0 or more)")
        return None
    return value


def _check_template(url: str, key: str, problems: _Problems) -> None:
    for placeholder in _PLACEHOLDER.findall(url):
        variable, *filters = placeholder.split("|")
        if variable not in TEMPLATE_VARIABLES:
            problems.add(
                key, f"unknown variable {{{variable}}} (known: {', '.join(TEMPLATE_VARIABLES)})"
            )
        for f in filters:
            name = f.split(":", 1)[0]
            if name not in (*TEMPLATE_FILTERS, "default"):
                problems.add(key, f"unknown filter {name!r} in {{{placeholder}}}")


def _check_selector(selector: str, key: str, problems: _Problems) -> None:
    """Compile the selector now: a typo is a validation error, not a `changed` at scan time."""
    from lowprofile.brokers.select import compile_selector

    try:
        compile_selector(selector)
    except ValueError as exc:
        problems.add(key, str(exc))


def _field_rule(raw: Any, key: str, problems: _Problems) -> FieldRule | None:
    if isinstance(raw, str | list):
        raw = {"selectors": raw}
    if not isinstance(raw, dict):
        problems.add(key, "must be a selector, a list of selectors, or a table")
        return None
    allowed = {"selectors", "all", "after", "before", "separator", "attribute"}
    for unknown in sorted(set(raw) - allowed):
        problems.add(f"{key}.{unknown}", "unknown key")
    selectors = _strings(raw, "selectors", problems, key + ".")
    if not selectors:
        problems.add(key + ".selectors", "at least one selector is needed")
    for selector in selectors:
        _check_selector(selector, key + ".selectors", problems)
    all_values = raw.get("all", False)
    if not isinstance(all_values, bool):
        problems.add(key + ".all", "must be true or false")
        all_values = False
    return FieldRule(
        selectors=selectors,
        all=all_values,
        after=_str(raw, "after", problems, key + ".", required=False),
        before=_str(raw, "before", problems, key + ".", required=False),
        separator=_str(raw, "separator", problems, key + ".", required=False),
        attribute=_str(raw, "attribute", problems, key + ".", required=False),
    )


def broker_from_dict(data: dict[str, Any], source: str) -> tuple[Broker | None, list[str]]:
    """Validate parsed TOML; returns the Broker (None if unusable) and every problem found."""
    p = _Problems(source)
    allowed_top = {"id", "name", "domain", "parent", "category", "jurisdictions", "mirrors"}
    allowed_top |= {"covered_by", "verified", "search", "parse", "optout", "canary", "notes"}
    for unknown in sorted(set(data) - allowed_top):
        p.add(unknown, "unknown key")
    broker_id = _str(data, "id", p, "")
    if broker_id and not _ID.match(broker_id):
        p.add("id", "use lowercase letters, digits, - and _ only")
    name = _str(data, "name", p, "")
    domain = _str(data, "domain", p, "")
    if domain and ("/" in domain or " " in domain):
        p.add("domain", "a bare domain such as example.com, without scheme or path")
    category = _str(data, "category", p, "")
    if category and category not in CATEGORIES:
        p.add("category", f"{category!r} is not one of {', '.join(CATEGORIES)}")
    verified = data.get("verified", False)
    if not isinstance(verified, bool):
        p.add("verified", "must be true or false")
        verified = False

    raw_search = _table(data, "search", p)
    _unknown_keys(raw_search, "search", p)
    mode = raw_search.get("mode", "auto")
    if mode not in ("auto", "manual"):
        p.add("search.mode", f"{mode!r} is not auto or manual")
    url = _str(raw_search, "url", p, "search.")
    if url and not url.startswith("https://"):
        p.add("search.url", "must be an https:// URL")
    _check_template(url, "search.url", p)
    method = str(raw_search.get("method", "GET")).upper()
    if method not in ("GET", "POST"):
        p.add("search.method", f"{method!r} is not GET or POST")
    headers = raw_search.get("headers", {})
    form = raw_search.get("form", {})
    for key, value in (("headers", headers), ("form", form)):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            p.add(f"search.{key}", "must be a table of strings")
    search = SearchSpec(
        mode=str(mode),
        url=url,
        method=method,
        headers=dict(headers) if isinstance(headers, dict) else {},
        form=dict(form) if isinstance(form, dict) else {},
    )

    raw_parse = _table(data, "parse", p, required=mode == "auto")
    _unknown_keys(raw_parse, "parse", p)
    fields: dict[str, FieldRule] = {}
    raw_fields = raw_parse.get("fields", {})
    if not isinstance(raw_fields, dict):
        p.add("parse.fields", "must be a table")
        raw_fields = {}
    for field_name, raw_rule in raw_fields.items():
        key = f"parse.fields.{field_name}"
        if field_name not in FIELD_NAMES:
            p.add(key, f"unknown field (known: {', '.join(FIELD_NAMES)})")
            continue
        rule = _field_rule(raw_rule, key, p)
        if rule is not None:
            fields[field_name] = rule
    cards = _strings(raw_parse, "cards", p, "parse.")
    for selector in cards:
        _check_selector(selector, "parse.cards", p)
    no_results_selectors = _strings(raw_parse, "no_results_selectors", p, "parse.")
    for selector in no_results_selectors:
        _check_selector(selector, "parse.no_results_selectors", p)
    statuses = raw_parse.get("no_results_status", [])
    if not isinstance(statuses, list) or not all(isinstance(s, int) for s in statuses):
        p.add("parse.no_results_status", "must be a list of HTTP status codes")
        statuses = []
    parse = ParseSpec(
        cards=cards,
        fields=fields,
        no_results_text=_strings(raw_parse, "no_results_text", p, "parse."),
        no_results_selectors=no_results_selectors,
        no_results_status=tuple(statuses),
        blocked_text=_strings(raw_parse, "blocked_text", p, "parse."),
    )
    if mode == "auto":
        if not cards:
            p.add("parse.cards", "an automatic search needs a result-card selector")
        if "name" not in fields:
            p.add("parse.fields.name", "an automatic search needs a name selector")
        # No no-results marker is allowed: then an empty result page reads as `changed`,
        # never as `not_found` (a parsed list with no match is still an honest not_found).

    raw_optout = _table(data, "optout", p)
    _unknown_keys(raw_optout, "optout", p)
    optout_url = _str(raw_optout, "url", p, "optout.")
    if optout_url and not optout_url.startswith("https://"):
        p.add("optout.url", "must be an https:// URL")
    optout_method = _str(raw_optout, "method", p, "optout.")
    if optout_method and optout_method not in OPTOUT_METHODS:
        p.add("optout.method", f"{optout_method!r} is not one of {', '.join(OPTOUT_METHODS)}")
    optout_email = _str(raw_optout, "email", p, "optout.", required=False)
    if optout_method == "email" and "@" not in optout_email:
        p.add("optout.email", "an email opt-out needs the address to write to")
    recheck = _int(raw_optout, "recheck_days", p, "optout.")
    optout = OptOutSpec(
        url=optout_url,
        method=optout_method,
        email=optout_email,
        requires=_strings(raw_optout, "requires", p, "optout."),
        days=_int(raw_optout, "days", p, "optout."),
        recheck_days=recheck if recheck is not None else 30,
        notes=_str(raw_optout, "notes", p, "optout.", required=False),
    )

    canary = None
    raw_canary = _table(data, "canary", p, required=mode == "auto")
    _unknown_keys(raw_canary, "canary", p)
    if raw_canary:
        canary = Canary(
            name=_str(raw_canary, "name", p, "canary."),
            city=_str(raw_canary, "city", p, "canary."),
            state=_str(raw_canary, "state", p, "canary."),
        )

    if p.lines:
        return None, p.lines
    return (
        Broker(
            id=broker_id,
            name=name,
            domain=domain,
            category=category,
            search=search,
            optout=optout,
            parent=_str(data, "parent", p, "", required=False),
            jurisdictions=_strings(data, "jurisdictions", p, "") or ("US",),
            mirrors=_strings(data, "mirrors", p, ""),
            covered_by=_str(data, "covered_by", p, "", required=False),
            verified=verified,
            parse=parse,
            canary=canary,
            source=source,
        ),
        [],
    )


def load_broker_file(path: Path) -> Broker:
    """Read and validate one file; any problem is a BrokerFileError listing them all."""
    broker, problems = check_broker_file(path)
    if broker is None:
        raise BrokerFileError("\n".join(problems))
    return broker


def check_broker_file(path: Path) -> tuple[Broker | None, list[str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}:-: cannot read: {exc}"]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{path}:-: not valid TOML: {exc}"]
    broker, problems = broker_from_dict(data, str(path))
    if broker is not None and broker.id != path.stem:
        return None, [f"{path}:id: {broker.id!r} must match the file name ({path.stem!r})"]
    return broker, problems
