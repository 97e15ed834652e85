"""The broker file format as typed data, and its validator.

A broker file is data written by people who are not necessarily programmers, and a user may drop
their own into the config folder, so every problem is reported as ``file:key: message`` and all
problems of a file are reported at once. The shape (keys, types, allowed values, what an automatic
search needs) is ``brokers/broker.schema.json``'s alone, the way sherlock checks its data.json;
what a schema cannot say (selectors compile, template variables exist, the id matches the file
name) is checked here. ``brokers/README.md`` documents the format.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from lowprofile.brokers.template import PLACEHOLDER, age_brackets, template_variables

MAIL_WAIT = 120.0
"""Seconds an ``email_confirmation`` step looks in the mailbox by default: brokers' mail mostly
comes within a minute or two; a later one is looked for again by ``optout run --due``."""
LIST_FIELDS = (
    "locations",
    "past_locations",
    "addresses",
    "phones",
    "emails",
    "relatives",
    "aliases",
)
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
ARGUMENT_FILTERS = ("default", "range")
"""Filters written ``name:argument``: ``default:X`` (the value when empty) and ``range:18-30,
31-40,81+`` (the site's own age bracket holding the value, DuckDuckGo's ``ageRange``)."""
"""Set to 1 to let a user's broker file search ``http://127.0.0.1:PORT/`` (a local copy of a
page, for trying a recipe); never otherwise, so a downloaded file cannot point the scan inward."""


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
    also: tuple[FieldRule, ...] = ()
    """Further ways to read the same field, each with its own selectors and trimming (a
    definition that reads past addresses both as full addresses and as cities, or a field whose
    markup moved): read in order after this one. A single-valued field (name, age, url) keeps
    the first rule that gives a value; a list field keeps the values of every rule."""

    @property
    def rules(self) -> tuple[FieldRule, ...]:
        """This rule and the ones in ``also``, in the order they are read."""
        return (self, *self.also)


@dataclass(frozen=True)
class SearchSpec:
    mode: str
    """``auto`` (fetch and parse), ``steps`` (play ``steps`` in the browser, then parse the page
    they end on) or ``manual`` (give the user a prefilled link)."""
    url: str
    """The search page; with ``steps``, the flow's first page and the link a person is given
    when the browser cannot play it."""
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    fetch: str = "http"
    """``http`` (the default) or ``browser``: a real browser, for pages built by JavaScript or
    behind a script challenge."""
    wait_for: str = ""
    """With ``fetch = "browser"``: what to wait for before reading (default: cards or the
    no-results marker, whichever appears first)."""
    steps: tuple[OptOutStep, ...] = ()
    """With ``mode = "steps"``: a search that is a form to fill or a flow of pages, in the
    opt-out steps' vocabulary (one vocabulary for every flow a browser plays)."""

    @property
    def variables(self) -> set[str]:
        filled = " ".join(f"{{{s.value}}}" for s in self.steps if s.action == "fill")
        urls = " ".join(s.url for s in self.steps)
        return set(template_variables(f"{self.url} {' '.join(self.form.values())} {urls} {filled}"))


@dataclass(frozen=True)
class Branch:
    """Another shape of answer the same search may give (a single profile page instead of a
    list), read only on a page where ``when`` finds an element, before the main cards."""

    when: tuple[str, ...]
    cards: tuple[str, ...]
    fields: dict[str, FieldRule] = field(default_factory=dict)


@dataclass(frozen=True)
class ParseSpec:
    cards: tuple[str, ...] = ()
    fields: dict[str, FieldRule] = field(default_factory=dict)
    no_results_text: tuple[str, ...] = ()
    no_results_selectors: tuple[str, ...] = ()
    no_results_status: tuple[int, ...] = ()
    blocked_text: tuple[str, ...] = ()
    blocked_selectors: tuple[str, ...] = ()
    """Elements only a wall page has (a captcha the definition solves, a challenge it waits
    out): a page showing one reads ``blocked``, never ``changed`` or ``not_found``."""
    branches: tuple[Branch, ...] = ()


STEP_VARIABLES = (*TEMPLATE_VARIABLES, "listing_url")
"""What an opt-out step's URL may name: the search's variables and the listing found."""
STEP_KEYS = {
    "navigate": ("url",),
    "fill": ("selector", "value"),
    "select_listing": ("selector", "match"),
    "click": ("selector", "submit"),
    "expect": ("selector", "text"),
    "captcha": ("selector",),
    "email_confirmation": ("domains",),
}
CONDITION_KEYS = ("when", "when_value")
"""Keys any action may carry: the step runs only when they hold (a question a site asks only
sometimes, a captcha it shows only sometimes)."""
CLICK_ALL = "all"
"""A click's own key: click every element the selector finds (DuckDuckGo's ``multiple``)."""
SEARCH_ACTIONS = ("navigate", "fill", "click", "expect", "captcha")
"""What a search's steps may do: no listing is chosen and no mail is read before a search."""
SEARCH_OPTIONAL_VALUES = ("middle",)
"""Values a search form may be sent empty (few people give a middle name, every form takes
none); any other value the query lacks skips the site with the usual hint."""
WHEN_VALUE = re.compile(r"^\{(\w+)\}\s*(>=|<=|==|!=|>|<)\s*(-?\d+)$")
"""``when_value``: a subject value compared with a number, ``{age} >= 45`` (the definitions'
``condition``); a value the person has not given never holds."""
"""The keys each action reads (besides ``action``, ``timeout`` and ``note``): a key another
action reads is refused, so no step carries text it would not use (a fill's ``text`` could
otherwise hold personal data the step does not name)."""


@dataclass(frozen=True)
class OptOutStep:
    """One action of a broker's opt-out, played in the browser by ``optout run``.

    The vocabulary follows DuckDuckGo's public opt-out format so facts about a site's form carry
    over; ``value`` names a subject value (never free text), so a step can send no more personal
    data than it names."""

    action: str
    url: str = ""
    selector: str = ""
    value: str = ""
    text: str = ""
    match: str = "url"
    submit: bool = False
    timeout: float = 15.0
    domains: tuple[str, ...] = ()
    note: str = ""
    when: str = ""
    """A selector: the step runs only when the page shows it (otherwise it is passed over)."""
    when_value: str = ""
    """``{age} >= 45``: the step runs only when the subject's value compares so."""
    all: bool = False
    """click: every element the selector finds, each once (none found is no failure)."""


@dataclass(frozen=True)
class OptOutSpec:
    url: str
    method: str
    email: str = ""
    requires: tuple[str, ...] = ()
    days: int | None = None
    recheck_days: int = 30
    notes: str = ""
    steps: tuple[OptOutStep, ...] = ()
    """Empty: the plan keeps its link and email draft."""


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
    """Id or domain of the broker whose opt-out also removes this one."""
    searched_as: str = ""
    """Set by the loader: the id of the broker whose search already shows this site's listings
    (this site is one of its ``mirrors``), so the scan does not search the same data twice."""
    optout_group: str = ""
    """Set by the loader from ``covered_by`` or ``mirrors``: the group of the broker whose opt-out
    removes this site too."""
    verified: bool = False
    parse: ParseSpec = field(default_factory=ParseSpec)
    canary: Canary | None = None
    source: str = ""
    """The file this came from, for messages."""

    @property
    def automatic(self) -> bool:
        """Searched by lowprofile: a page fetched, or a flow of steps played in the browser."""
        return self.search.mode in ("auto", "steps")

    @property
    def group(self) -> str:
        """What one opt-out request covers: the covering broker's group, the parent company, or
        the site itself."""
        return self.optout_group or self.parent or self.name


def broker_schema() -> dict[str, Any]:
    """``brokers/broker.schema.json``: the one description of a broker file's shape."""
    return _broker_schema()


@cache
def _broker_schema() -> dict[str, Any]:
    from lowprofile.resources import shipped_brokers_dir

    schema: dict[str, Any] = json.loads(
        (shipped_brokers_dir() / "broker.schema.json").read_text("utf-8")
    )
    return schema


def _key(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path)


def _x_message(error: Any) -> str | None:
    """The schema's own words for this error, when the failing subschema gives them."""
    for candidate in (error, *(error.context or ())):
        message = candidate.schema.get("x-message") if isinstance(candidate.schema, dict) else None
        if message:
            return str(message)
    return None


def shape_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for every way ``data`` breaks the broker schema, keys like ``optout.url``."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(broker_schema())
    out: list[tuple[str, str]] = []
    for error in validator.iter_errors(data):
        where = _key(error.absolute_path)
        prefix = f"{where}." if where else ""
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            out += [(prefix + k, "unknown key") for k in sorted(error.instance) if k not in known]
        elif error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            out += [(prefix + k, "missing") for k in missing]
        else:
            out.append((where or "-", _x_message(error) or error.message[:200]))
    return list(dict.fromkeys(out))


def _strings(value: Any) -> tuple[str, ...]:
    """A string or a list of strings (the schema has checked which) as a tuple."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _template_problems(text: str, variables: tuple[str, ...] = TEMPLATE_VARIABLES) -> list[str]:
    problems = []
    for placeholder in PLACEHOLDER.findall(text):
        variable, *filters = placeholder.split("|")
        if variable not in variables:
            known = ", ".join(variables)
            problems.append(f"unknown variable {{{variable}}} (known: {known})")
        for f in filters:
            name, _, argument = f.partition(":")
            if name not in (*TEMPLATE_FILTERS, *ARGUMENT_FILTERS):
                problems.append(f"unknown filter {name!r} in {{{placeholder}}}")
            elif name == "range" and not age_brackets(argument):
                problems.append(f"range needs brackets like 18-30,31-40,81+ in {{{placeholder}}}")
    return problems


def _selector_problem(selector: str) -> str | None:
    """Compile the selector now: a typo is a validation error, not a `changed` at scan time."""
    from lowprofile.brokers.select import compile_selector

    try:
        compile_selector(selector)
    except ValueError as exc:
        return str(exc)
    return None


def _field_rule(raw: Any) -> FieldRule:
    """A field as written: a selector, a list of selectors, a table, or several tables (the
    first is the rule, the others its ``also``)."""
    if isinstance(raw, list) and raw and all(isinstance(item, dict) for item in raw):
        first, *more = (_field_rule(item) for item in raw)
        return replace(first, also=tuple(more))
    if not isinstance(raw, dict):
        raw = {"selectors": raw}
    return FieldRule(
        selectors=_strings(raw.get("selectors")),
        all=bool(raw.get("all", False)),
        after=raw.get("after", ""),
        before=raw.get("before", ""),
        separator=raw.get("separator", ""),
        attribute=raw.get("attribute", ""),
    )


def _fields(raw: Any) -> dict[str, FieldRule]:
    return {name: _field_rule(rule) for name, rule in (raw or {}).items()}


def _rule_selectors(rule: Any) -> list[Any]:
    """The selectors a field as written names, over all its tables."""
    if isinstance(rule, list) and rule and all(isinstance(item, dict) for item in rule):
        return [s for item in rule for s in _rule_selectors(item)]
    raw = rule.get("selectors") if isinstance(rule, dict) else rule
    return list(_strings(raw)) if isinstance(raw, str | list) else []


def _step(raw: dict[str, Any]) -> OptOutStep:
    return OptOutStep(
        action=raw["action"],
        url=raw.get("url", ""),
        selector=raw.get("selector", ""),
        value=raw.get("value", ""),
        text=raw.get("text", ""),
        match=raw.get("match", "url"),
        submit=bool(raw.get("submit", False)),
        timeout=float(
            raw.get("timeout", MAIL_WAIT if raw["action"] == "email_confirmation" else 15.0)
        ),
        domains=tuple(raw.get("domains", ())),
        note=raw.get("note", ""),
        when=raw.get("when", ""),
        when_value=raw.get("when_value", ""),
        all=bool(raw.get(CLICK_ALL, False)),
    )


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def loopback_setting(allow_loopback: bool | None) -> bool:
    """The ``allow_loopback`` given by a caller that has the settings (a scan), else read from
    them (a command validating files on its own)."""
    if allow_loopback is not None:
        return allow_loopback
    from lowprofile.config import load_settings

    return load_settings().allow_loopback


def _target_problems(
    search: dict[str, Any], optout: dict[str, Any], allow_loopback: bool
) -> list[tuple[str, str]]:
    """Search and opt-out URLs must point at the public internet: a broker file is data anyone
    may hand a user, and ``https://169.254.169.254/`` or ``https://127.0.0.1:6379/`` would turn a
    scan into a probe of the user's own machine or network."""
    from lowprofile.fetch.fence import check_public_target

    out = []
    for key, table in (("search.url", search), ("optout.url", optout)):
        url = table.get("url")
        if isinstance(url, str):
            problem = check_public_target(PLACEHOLDER.sub("x", url), allow_loopback=allow_loopback)
            if problem:
                out.append((key, problem))
    return out


def meaning_problems(
    data: dict[str, Any], allow_loopback: bool | None = None
) -> list[tuple[str, str]]:
    """What a schema cannot say: template variables and filters exist, selectors compile."""
    loopback = loopback_setting(allow_loopback)
    out: list[tuple[str, str]] = []
    search = _table(data, "search")
    for key, value in (("url", search.get("url")), *(search.get("form") or {}).items()):
        if isinstance(value, str):
            where = "search.url" if key == "url" else f"search.form.{key}"
            out += [(where, message) for message in _template_problems(value)]
    out += _target_problems(search, _table(data, "optout"), loopback)
    out += _fetch_problems(search)
    out += _search_step_problems(search, loopback)
    out += _step_problems(_table(data, "optout"), loopback)
    parse = _table(data, "parse")
    return out + _parse_selector_problems(parse)


def _parse_selector_problems(parse: dict[str, Any]) -> list[tuple[str, str]]:
    """Every selector of ``[parse]`` and of its branches compiles and is cheap enough."""
    shapes: list[tuple[str, dict[str, Any]]] = [("parse", parse)]
    branches = parse.get("branches")
    for number, branch in enumerate(branches if isinstance(branches, list) else ()):
        if isinstance(branch, dict):
            shapes.append((f"parse.branches.{number}", branch))
    selector_lists: list[tuple[str, list[Any]]] = []
    for where, shape in shapes:
        for key in ("cards", "no_results_selectors", "blocked_selectors", "when"):
            raw = shape.get(key)
            if isinstance(raw, str | list):
                selector_lists.append((f"{where}.{key}", list(_strings(raw))))
        for name, rule in _table(shape, "fields").items():
            selector_lists.append((f"{where}.fields.{name}.selectors", _rule_selectors(rule)))
    out: list[tuple[str, str]] = []
    for key, selectors in selector_lists:
        for selector in selectors:
            problem = _selector_problem(selector) if isinstance(selector, str) else None
            if problem:
                out.append((key, problem))
    return out


def _plain_http_problem(url: Any) -> str | None:
    """Plain http only on loopback (a local copy of a page); everything public is https."""
    if isinstance(url, str) and url.startswith("http://"):
        from lowprofile.fetch.fence import check_public_target

        if check_public_target(PLACEHOLDER.sub("x", url)) is None:  # a public host
            return "must be an https:// URL (plain http only on loopback)"
    return None


def _step_problems(optout: dict[str, Any], allow_loopback: bool) -> list[tuple[str, str]]:
    """Each opt-out step's URL names known variables and may be visited; selectors compile; a
    run that sends personal data has a submit to stop before (``--dry-run``)."""
    out: list[tuple[str, str]] = []
    problem = _plain_http_problem(optout.get("url"))
    if problem:
        out.append(("optout.url", problem))
    steps = optout.get("steps")
    if not isinstance(steps, list):
        return out
    out += _each_step_problems(steps, "optout.steps", STEP_VARIABLES, allow_loopback)
    fills = any(isinstance(s, dict) and s.get("action") == "fill" for s in steps)
    submits = any(isinstance(s, dict) and s.get("submit") is True for s in steps)
    if fills and not submits:
        out.append(("optout.steps", "steps that fill a form need one click with submit = true"))
    return out


def _each_step_problems(
    steps: list[Any], prefix: str, variables: tuple[str, ...], allow_loopback: bool
) -> list[tuple[str, str]]:
    """What every step of a flow must satisfy, opt-out or search: its URL names known
    variables and may be visited, its selectors compile, it carries only the keys its action
    reads, and its condition can be evaluated."""
    from lowprofile.fetch.fence import check_public_target

    out: list[tuple[str, str]] = []
    for number, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        where = f"{prefix}.{number}"
        url = step.get("url")
        if isinstance(url, str):
            out += [(f"{where}.url", m) for m in _template_problems(url, variables)]
            if not url.startswith("{listing_url"):  # the listing's own URL was already fetched
                filled = PLACEHOLDER.sub("x", url)
                target = check_public_target(filled, allow_loopback=allow_loopback)
                target = target or _plain_http_problem(url)
                if not filled.startswith(("https://", "http://")):
                    target = "must be an https:// URL or start with {listing_url}"
                if target:
                    out.append((f"{where}.url", target))
        for key in ("selector", "when"):
            selector = step.get(key)
            problem = _selector_problem(selector) if isinstance(selector, str) else None
            if problem:
                out.append((f"{where}.{key}", problem))
        compared = step.get("when_value")
        if isinstance(compared, str):
            matched = WHEN_VALUE.match(compared.strip())
            if matched is None or matched.group(1) not in variables:
                out.append(
                    (f"{where}.when_value", "must compare a value with a number: {age} >= 45")
                )
        action = step.get("action")
        if isinstance(action, str) and action in STEP_KEYS:
            own = {*STEP_KEYS[action], *((CLICK_ALL,) if action == "click" else ())}
            for key in sorted(set(step) - {"action", "timeout", "note", *CONDITION_KEYS, *own}):
                out.append((f"{where}.{key}", f"not used by a {action} step"))
    return out


def _search_step_problems(search: dict[str, Any], allow_loopback: bool) -> list[tuple[str, str]]:
    """A search played as steps: it has steps (and only then), each a search's action with the
    search's variables; it fills only search values, and sends nothing a URL search would not."""
    steps = search.get("steps")
    mode = search.get("mode", "auto")
    if mode == "steps" and not isinstance(steps, list):
        return [("search.steps", 'mode = "steps" needs [[search.steps]]')]
    if not isinstance(steps, list):
        return []
    if mode != "steps":
        return [("search.steps", 'only played with mode = "steps"')]
    out = _each_step_problems(steps, "search.steps", TEMPLATE_VARIABLES, allow_loopback)
    for number, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        where = f"search.steps.{number}"
        if step.get("action") not in (*SEARCH_ACTIONS, None):
            out.append((f"{where}.action", f"a search step is one of {', '.join(SEARCH_ACTIONS)}"))
        value = step.get("value")
        if isinstance(value, str) and value not in TEMPLATE_VARIABLES:
            known = ", ".join(TEMPLATE_VARIABLES)
            out.append((f"{where}.value", f"a search fills a search value ({known})"))
    for key in ("fetch", "wait_for", "method", "form"):
        if key in search:
            out.append((f"search.{key}", "not used by a search played as steps"))
    return out


def _fetch_problems(search: dict[str, Any]) -> list[tuple[str, str]]:
    """A loopback search URL only when allowed; browser steps only for GET searches."""
    out: list[tuple[str, str]] = []
    problem = _plain_http_problem(search.get("url"))
    if problem:
        out.append(("search.url", problem))
    method = str(search.get("method", "GET")).upper()
    if search.get("fetch") == "browser" and method != "GET":
        out.append(("search.fetch", "the browser fetches GET searches only"))
    if search.get("wait_for") and search.get("fetch") != "browser":
        out.append(("search.wait_for", 'only means something with fetch = "browser"'))
    return out


def broker_from_dict(
    data: dict[str, Any], source: str, *, checked: bool = False, allow_loopback: bool | None = None
) -> tuple[Broker | None, list[str]]:
    """Validate parsed TOML (shape by the schema, meaning here); returns the Broker (None if
    unusable) and every problem found, as ``file:key: message`` lines. ``checked``: these very
    bytes passed before under the same rules (the loader's cache), so validation is skipped."""
    found = [] if checked else shape_problems(data) + meaning_problems(data, allow_loopback)
    if found:
        return None, [f"{source}:{key}: {message}" for key, message in found]
    search, parse, optout = data["search"], data.get("parse", {}), data["optout"]
    canary = data.get("canary")
    return (
        Broker(
            id=data["id"],
            name=data["name"],
            domain=data["domain"],
            category=data["category"],
            search=SearchSpec(
                mode=search.get("mode", "auto"),
                url=search["url"],
                method=search.get("method", "GET").upper(),
                headers=dict(search.get("headers", {})),
                form=dict(search.get("form", {})),
                fetch=search.get("fetch", "http"),
                wait_for=search.get("wait_for", ""),
                steps=tuple(_step(raw) for raw in search.get("steps", ())),
            ),
            optout=OptOutSpec(
                url=optout["url"],
                method=optout["method"],
                email=optout.get("email", ""),
                requires=_strings(optout.get("requires")),
                days=optout.get("days"),
                recheck_days=optout.get("recheck_days", 30),
                notes=optout.get("notes", ""),
                steps=tuple(_step(raw) for raw in optout.get("steps", ())),
            ),
            parent=data.get("parent", ""),
            jurisdictions=tuple(data.get("jurisdictions") or ("US",)),
            mirrors=tuple(data.get("mirrors", ())),
            covered_by=data.get("covered_by", ""),
            verified=data.get("verified", False),
            parse=ParseSpec(
                cards=_strings(parse.get("cards")),
                fields=_fields(parse.get("fields")),
                no_results_text=_strings(parse.get("no_results_text")),
                no_results_selectors=_strings(parse.get("no_results_selectors")),
                no_results_status=tuple(parse.get("no_results_status", ())),
                blocked_text=_strings(parse.get("blocked_text")),
                blocked_selectors=_strings(parse.get("blocked_selectors")),
                branches=tuple(
                    Branch(
                        when=_strings(raw.get("when")),
                        cards=_strings(raw.get("cards")),
                        fields=_fields(raw.get("fields")),
                    )
                    for raw in parse.get("branches", ())
                ),
            ),
            canary=Canary(**canary) if canary else None,
            source=source,
        ),
        [],
    )


def check_broker_file(
    path: Path, passed: Callable[[bytes], bool] | None = None, *, allow_loopback: bool | None = None
) -> tuple[Broker | None, list[str]]:
    """The broker in ``path``, or its problems. ``passed(raw)`` says whether these bytes were
    validated before under the same rules (then the schema check is skipped);
    ``allow_loopback``: the setting, when the caller has the settings (``loopback_setting``)."""
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}:-: cannot read: {exc}"]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{path}:-: not valid TOML: {exc}"]
    checked = passed is not None and passed(raw)
    broker, problems = broker_from_dict(
        data, str(path), checked=checked, allow_loopback=allow_loopback
    )
    if broker is not None and broker.id != path.stem:
        return None, [f"{path}:id: {broker.id!r} must match the file name ({path.stem!r})"]
    return broker, problems
