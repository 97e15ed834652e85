"""Broker files from DuckDuckGo's public scan definitions and the team's facts table (run by hand).

It lives in the package so that the command line can use it too; ``tools/make_brokers.py`` runs
it by hand. Two jobs, both re-runnable when DuckDuckGo publishes a newer set:

    python tools/make_brokers.py diff OLD_JSON_DIR NEW_JSON_DIR
        what changed per broker between two definition sets (search URL, cards, no-result
        selector, mirrors, removal), so a reviewer sees the drift before rebuilding.

    python tools/make_brokers.py build FACTS_CSV JSON_DIR SET_NAME BROKERS_DIR EVIDENCE_TOML
        rewrites the broker files. A definition that is live in the set becomes an automatic
        recipe whose evidence is "follows <SET_NAME>"; one the set has removed, or one that needs
        a form post, becomes a manual, prefilled search link. Files proved on a real page
        (``verified = true``) are maintained by hand and never overwritten; the importer prints
        what the set would change in them instead.

The rules that are facts about sites rather than about the definitions (domains taken away by a
court, duplicate ids) live in the tables below, each with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lowprofile.brokers.import_flow import (
    CAPTCHA_ACTIONS,
    Flow,
    needs_steps,
    scan_actions,
    search_flow,
)
from lowprofile.brokers.select import compile_selector

FIELD_MAP = {
    "name": "name",
    "age": "age",
    "addressCityState": "locations",
    "addressCityStateList": "locations",
    "addressFull": "addresses",
    "addressFullList": "addresses",
    "phone": "phones",
    "phoneList": "phones",
    "email": "emails",
    "relativesList": "relatives",
    "alternativeNamesList": "aliases",
    "profileUrl": "url",
}
PAST_LISTS = {
    "addressCityStateList": ("addressCityState", "addressFull"),
    "addressFullList": ("addressFull",),
}
"""A list beside a single current field holds the places the person lived before
(CyberBackgroundChecks' ``address-previous``, Veripages' "Has lived in", MyLife's
``hit-pastAddresses``, FastBackgroundCheck's "Lived In" cities beside its current street
address): it becomes ``past_locations``. Without one beside it, the list is where the person
lives (SearchPeopleFree's address list holds the current one too)."""
KNOWN_FIELD_KEYS = {
    "selector", "findElements", "afterText", "beforeText", "separator",
    # How DuckDuckGo derives a profile id from the link; the recipe keeps the link itself.
    "identifierType", "identifier",
}  # fmt: skip
FILTER_MAP = {
    "upcase": "upper",
    "downcase": "lower",
    "capitalize": "title",
    "hyphenated": "hyphen",
    "snakecase": "underscore",
}
VARIABLE_MAP = {
    "firstName": "first",
    "lastName": "last",
    "middleName": "middle",
    "city": "city",
    "state": "state",
    "stateFull": "state_full",
    "age": "age",
}
SEIZED = {
    # Domains taken over by court order in June 2026 (Atlas Data Privacy Corp. v. Radaris), as
    # reported in the project's issue 11; DuckDuckGo's 2026-02 set had already removed all but
    # Centeda. Nothing of the broker is left to search there, so no automatic recipe.
    "centeda.com", "clubset.com", "dataveria.com", "kwold.com", "newenglandfacts.com",
    "verecor.com", "veriforia.com",
}  # fmt: skip
SEIZED_NOTE = (
    "This domain was taken over by court order in June 2026 (Atlas Data Privacy Corp. v. "
    "Radaris): the broker no longer runs it, so there is nothing to search or remove there."
)
MERGED = {
    # neighbors.report served the same search as neighbor.report (same host, same recipe).
    "neighbors.report": "neighbor.report",
}
SCRIPT_ONLY = {
    # A JavaScript app behind a captcha: no page to parse (OptOutOS BROKER_STATUS, 2026-09-09).
    "beenverified.com": "https://www.beenverified.com/people/{first|lower}-{last|lower}/",
}
PATCHES: dict[str, dict[str, Any]] = {
    # Facts newer than the 2026-02 definitions, each with where it comes from.
    "spokeo.com": {
        # The card's text is "Resides in <place>" (issue 11's review of live 2026-09 pages) or
        # "Resided in <place>"; DuckDuckGo's "RESIDED IN" is the CSS-uppercased rendering, which
        # a page read as HTML never shows. " in " fits both.
        "parse.fields.locations.after": " in ",
        # A name with nobody behind it answers HTTP 404 (kept from the facts table).
        "parse.no_results_status": [404],
    },
    "smartbackgroundchecks.com": {
        # Lowercase slugs, state as two lowercase letters (facts table: "lowercase; live-checked").
        "search.url": "https://www.smartbackgroundchecks.com/people/"
        "{first|lower|hyphen}-{last|lower|hyphen}/{city|lower|hyphen}/{state|lower}",
    },
    "usphonebook.com": {
        # The older card selector: issue 11's review found it read a real 2026-09 page right, and
        # the 2026-02 selector asks for an exact class and an itemtype the cards may not carry.
        "parse.cards": [
            "//div[@class='success-wrapper-block' and @itemtype='https://schema.org/Person']",
            ".ls_contacts-people-finder-wrapper",
        ],
    },
    # The miss wording below was read off each site's live no-result page on 2026-09-22/23 by
    # frindle/broker-guard (broker_guard/search_forms.py, commit bdc833b7fcde2ad4).
    # Text, not a bare status: a 404 WITH this text is "nobody here", a 404 without it is a URL
    # that moved (page.py reads the text whatever the status).
    "fastpeoplesearch.com": {
        # Lowercase slugs throughout, state as two letters (facts table; the definition keeps
        # the user's capitals).
        "search.url": "https://www.fastpeoplesearch.com/name/"
        "{first|lower|hyphen}-{last|lower|hyphen}_{city|lower|hyphen}-{state|lower}",
        "parse.no_results_text": [
            "No results found for",
            "We could not find any results based on your search criteria",
        ],
    },
    "searchpeoplefree.com": {
        "parse.no_results_text": ["The page you were looking for could not be found"],
    },
    "cyberbackgroundchecks.com": {
        "parse.no_results_text": ["Unfortunately we did not find any results"],
    },
    "mylife.com": {"parse.no_results_text": ["We didn't find"]},
}
JURISDICTION = {"192.com": "UK", "ukphonebook.com": "UK", "canada411.ca": "CA"}
CATEGORIES = {"people-search", "background-check", "phone-lookup", "marketing", "public-records"}


# --- reading a DuckDuckGo definition -------------------------------------------------------


@dataclass(frozen=True)
class Extract:
    """One extract action: the cards, the no-result marker and the fields it reads; ``when``:
    the selectors of the condition it sits in (a branch for another shape of answer)."""

    cards: str
    no_results: str
    fields: dict[str, dict[str, Any]]
    when: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    """The parts of one DuckDuckGo definition a broker file uses."""

    domain: str
    name: str
    version: str
    parent: str
    url: str
    cards: str
    no_results: str
    fields: dict[str, dict[str, Any]]
    mirrors: tuple[str, ...]
    removed: str
    opt_out: str
    actions: tuple[dict[str, Any], ...] = ()
    """The scan flow as written (``import_flow`` says it as search steps where it needs them;
    ``gaps`` names what the recipe cannot say)."""
    age_ranges: tuple[str, ...] = ()
    """The navigate action's ``ageRange`` brackets, for ``${age|ageRange}``."""
    branches: tuple[Extract, ...] = ()

    def summary(self) -> dict[str, str]:
        out = {
            "search URL": self.url,
            "cards": self.cards,
            "no-result selector": self.no_results,
            "mirrors": ", ".join(self.mirrors),
            "removed": self.removed,
        }
        for key, spec in sorted(self.fields.items()):
            out[f"field {key}"] = json.dumps(spec, sort_keys=True) if spec else ""
        if self.age_ranges:
            out["age ranges"] = ", ".join(self.age_ranges)
        for number, branch in enumerate(self.branches, 1):
            out[f"branch {number}"] = json.dumps(asdict(branch), sort_keys=True)
        return out


def _date(millis: Any) -> str:
    if not millis:
        return ""
    return datetime.fromtimestamp(int(millis) / 1000, UTC).date().isoformat()


def _extract(action: dict[str, Any], when: tuple[str, ...] = ()) -> Extract:
    # "noResultsFound" is how SmartBackgroundChecks' definition spells noResultsSelector.
    no_results = action.get("noResultsSelector") or action.get("noResultsFound") or ""
    return Extract(
        cards=str(action.get("selector", "")),
        no_results=str(no_results),
        fields={k: v for k, v in (action.get("profile") or {}).items() if v},
        when=when,
    )


def _expected(action: dict[str, Any]) -> tuple[str, ...]:
    """The selectors an expectation or condition waits for."""
    return tuple(str(e["selector"]) for e in action.get("expectations", []) if e.get("selector"))


def read_definition(data: dict[str, Any], fallback: str) -> Definition:
    url = ""
    main: Extract | None = None
    age_ranges: tuple[str, ...] = ()
    branches: list[Extract] = []
    for step in data.get("steps", []):
        if step.get("stepType") != "scan":
            continue
        for action in step.get("actions", []):
            kind = action.get("actionType")
            if kind == "navigate" and not url:
                url = str(action.get("url", ""))
                age_ranges = tuple(str(r) for r in action.get("ageRange") or ())
            if kind == "extract" and main is None:
                main = _extract(action)
            if kind == "condition" and _is_branch(action):
                branches += [_extract(a, _expected(action)) for a in action["actions"]]
    main = main or Extract("", "", {})
    opt_out = str(data.get("optOutUrl") or "")
    return Definition(
        domain=str(data.get("url") or fallback),
        name=str(data.get("name") or fallback),
        version=str(data.get("version") or ""),
        parent=str(data.get("parent") or ""),
        url=url,
        cards=main.cards,
        no_results=main.no_results,
        fields=main.fields,
        mirrors=tuple(str(m["url"]) for m in data.get("mirrorSites", []) if not m.get("removedAt")),
        removed=_date(data.get("removedAt")),
        opt_out=opt_out,
        actions=tuple(scan_actions(data)),
        age_ranges=age_ranges,
        branches=tuple(branches),
    )


def _is_branch(action: dict[str, Any]) -> bool:
    """A condition whose only actions are extracts: another shape of answer to read."""
    inner = action.get("actions") or []
    return bool(inner) and all(a.get("actionType") == "extract" for a in inner)


def load_set(folder: Path) -> dict[str, Definition]:
    out: dict[str, Definition] = {}
    for path in sorted(folder.glob("*.json")):
        if "fake" in path.stem:
            continue
        definition = read_definition(json.loads(path.read_text(encoding="utf-8")), path.stem)
        out[definition.domain] = definition
    return out


# --- the diff report ---------------------------------------------------------------------------


def diff_sets(old: dict[str, Definition], new: dict[str, Definition]) -> list[str]:
    """One line per change, grouped by broker, in a stable order."""
    lines: list[str] = []
    for domain in sorted(set(old) | set(new)):
        before, after = old.get(domain), new.get(domain)
        if before is None and after is not None:
            lines.append(f"{domain}: new in the newer set (version {after.version})")
            continue
        if before is None or after is None:
            lines.append(f"{domain}: absent from the newer set")
            continue
        a, b = before.summary(), after.summary()
        changes = [k for k in dict.fromkeys([*a, *b]) if a.get(k, "") != b.get(k, "")]
        if not changes:
            continue
        lines.append(f"{domain}: version {before.version} -> {after.version}")
        lines += [
            f"  {key}: {a.get(key) or '(none)'} -> {b.get(key) or '(none)'}" for key in changes
        ]
    return lines


# --- turning a definition into a recipe ---------------------------------------------------------


def translate_template(url: str, age_ranges: tuple[str, ...] = ()) -> str | None:
    """DuckDuckGo's ``${city|hyphenated}`` to ours, ``{city|hyphen}``; None if it cannot be
    (``untranslated`` names what)."""

    def one(match: re.Match[str]) -> str:
        variable, *filters = match.group(1).split("|")
        out_filters: list[str] = []
        name = VARIABLE_MAP.get(variable)
        if name is None:
            raise KeyError(variable)
        for f in filters:
            if f == "stateFull":
                name = "state_full"
            elif f == "ageRange":
                # The site's own age bracket (veripages: fage=41-50); without brackets in the
                # definition, DuckDuckGo sends the age itself.
                if age_ranges:
                    out_filters.append("range:" + ",".join(age_ranges))
            elif f.startswith("defaultIfEmpty:"):
                out_filters.append("default:" + f.split(":", 1)[1])
            elif f in FILTER_MAP:
                out_filters.append(FILTER_MAP[f])
            else:
                raise KeyError(f)
        return "{" + "|".join([name, *out_filters]) + "}"

    try:
        translated = re.sub(r"\$\{([^}]*)\}", one, url)
    except KeyError:
        return None
    base, question, query = translated.partition("?")
    # In a path, a city or state of two words is written with a hyphen (new-york), never %20.
    base = re.sub(r"\{(city|state_full)((?:\|(?!hyphen)[a-z_:~]+)*)\}", _hyphenate, base)
    # A detail the user may not have (age, middle name) is left empty in a query string rather
    # than skipping the site; in a path it stays required.
    query = re.sub(r"\{((?:age|middle)(?:\|range:[^|}]*)?)\}", r"{\1|optional}", query)
    return base + question + query


def untranslated(url: str) -> list[str]:
    """The ``${...}`` forms of a search URL that have no translation: each a named gap."""
    out = []
    for form in re.findall(r"\$\{([^}]*)\}", url):
        variable, *filters = form.split("|")
        known = variable in VARIABLE_MAP and all(
            f in FILTER_MAP or f in ("stateFull", "ageRange") or f.startswith("defaultIfEmpty:")
            for f in filters
        )
        if not known:
            out.append(f"the URL transform ${{{form}}} has no translation")
    return out


def _hyphenate(match: re.Match[str]) -> str:
    return "{" + match.group(1) + match.group(2) + "|hyphen}"


def card_relative(selector: str) -> str:
    """Field selectors run inside one card: ``//h3`` would read the first card's value."""
    return "." + selector if selector.startswith("//") else selector


def _target(key: str, fields: dict[str, dict[str, Any]]) -> str | None:
    """Where a definition field goes: a list beside a single current field is past places."""
    singles = PAST_LISTS.get(key, ())
    if any(fields.get(single, {}).get("selector") for single in singles):
        return "past_locations"
    return FIELD_MAP.get(key)


def _rule(spec: dict[str, Any]) -> dict[str, Any] | None:
    """One definition field as a rule, or None when its selector is refused (a named gap)."""
    selector = card_relative(str(spec["selector"]))
    if _selector_refused(selector):
        return None
    rule: dict[str, Any] = {"selectors": [selector]}
    if spec.get("findElements"):
        rule["all"] = True
    for src, dst in (("afterText", "after"), ("beforeText", "before"),
                     ("separator", "separator")):  # fmt: skip
        if spec.get(src):
            rule[dst] = spec[src]
    return rule


def _selector_refused(selector: str) -> str | None:
    """Why the page reader would refuse this selector (broken, or too costly), or None."""
    try:
        compile_selector(selector)
    except ValueError as exc:
        return str(exc)
    return None


def read_fields(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every field of one extract as recipe fields. Two definition fields that land on the same
    field (past streets and past cities) are both kept, as that field's several rules: one
    table when there is one, a list of tables when there are more."""
    rules: dict[str, list[dict[str, Any]]] = {}
    for key, spec in fields.items():
        target = _target(key, fields)
        if not target or not spec or not spec.get("selector"):
            continue
        rule = _rule(spec)
        if rule is not None:
            rules.setdefault(target, []).append(rule)
    return {name: found[0] if len(found) == 1 else found for name, found in rules.items()}


def fields_of(definition: Definition) -> dict[str, Any]:
    """The main extract's fields as recipe fields (``read_fields``)."""
    return read_fields(definition.fields)


def field_gaps(fields: dict[str, dict[str, Any]], where: str = "") -> list[str]:
    """What the recipe does not read of these definition fields, each said."""
    out = []
    for key, spec in fields.items():
        unknown = sorted(set(spec) - KNOWN_FIELD_KEYS)
        if key not in FIELD_MAP:
            out.append(f"{where}field {key} has no place in a listing")
        elif unknown:
            out.append(f"{where}field {key}: {', '.join(unknown)} not read")
        elif spec.get("selector"):
            refused = _selector_refused(card_relative(str(spec["selector"])))
            if refused:
                out.append(f"{where}field {key} dropped: {refused}")
    return out


_NEGATED = re.compile(r"^(.*)\[not\((.*)\)\]$")


def _solves_captcha(action: dict[str, Any]) -> bool:
    return any(a.get("actionType") in CAPTCHA_ACTIONS for a in action.get("actions") or ())


def captcha_marks(definition: Definition) -> tuple[str, ...]:
    """Elements the definition treats as a wall, as ``blocked_selectors``: what a condition
    that solves a captcha looks for (``#bot-check``), a captcha it always solves, and the
    challenge a negated wait waits out (``//html[not(contains(@class, 'page-manage-
    challenge'))]`` waits until ``//html[contains(@class, 'page-manage-challenge')]`` is gone).
    lowprofile never solves a captcha: a page showing one reads ``blocked``, and the person
    passes it in a visible browser."""
    marks: list[str] = []
    for action in definition.actions:
        kind = action.get("actionType")
        if kind in CAPTCHA_ACTIONS and action.get("selector"):
            marks.append(str(action["selector"]))
        elif kind in ("condition", "expectation") and _solves_captcha(action):
            marks += _expected(action)
        elif kind == "expectation":
            for selector in _expected(action):
                negated = _NEGATED.match(selector)
                if negated:
                    marks.append(f"{negated.group(1)}[{negated.group(2)}]")
    return tuple(m for m in dict.fromkeys(marks) if not _selector_refused(m))


STEPS_GAP = "needs steps (clicks/waits/form post)"


def flow_gap(definition: Definition) -> str | None:
    """What of the scan flow the recipe cannot say, as one named gap, or None. A flow with a
    form or a click is played as search steps (``flow_of``); only what those steps cannot say
    (``Flow.gaps``) is a gap. Without steps, waits are what the page fetch does and a captcha is
    a wall the page reading recognises (``captcha_marks``); any other action is a gap."""
    flow = flow_of(definition)
    if flow is None:
        missing = [f"a {kind} action a page fetch does not play" for kind in _unplayed(definition)]
    else:
        missing = flow.gaps + ([] if flow.url else ["no page to open first"])
    return f"{STEPS_GAP}: {'; '.join(missing)}" if missing else None


def _unplayed(definition: Definition) -> list[str]:
    """The kinds of scan action a page fetch with the reader does not do (no steps played)."""
    out = []
    for action in definition.actions:
        kind = str(action.get("actionType", ""))
        if kind in ("navigate", "extract") or _solves_captcha(action) or _is_branch(action):
            continue
        if kind == "expectation" and not action.get("actions"):
            continue  # a wait: the fetched page is read as it comes, a wall reads blocked
        out.append(kind or "nameless")
    return out


def gaps(definition: Definition) -> list[str]:
    """What the definition says that the recipe does not, each named: the build report prints
    them and the file's opening comment keeps them. Never silently shortened."""
    out = untranslated(definition.url)
    flow = flow_gap(definition)
    if flow:
        out.append(flow)
    out += field_gaps(definition.fields)
    for number, branch in enumerate(definition.branches, 1):
        out += field_gaps(branch.fields, f"branch {number}: ")
    return out


def _branch(branch: Extract) -> dict[str, Any] | None:
    fields = read_fields(branch.fields)
    if "name" not in fields or not branch.cards or not branch.when:
        return None
    return {"when": list(branch.when), "cards": [branch.cards], "fields": fields}


def automatic_recipe(definition: Definition) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(search, parse)`` for a live definition with a templated GET search, else None."""
    if definition.removed or not definition.cards:
        return None
    flow = flow_of(definition)
    template = translate_template(definition.url, definition.age_ranges)
    if flow is not None:
        if flow.gaps or not flow.url:
            return None  # a flow it cannot play as written (named in the file's comment)
        search: dict[str, Any] = {"mode": "steps", "url": flow.url, "steps": flow.steps}
    elif not template or "{" not in template:
        return None  # a landing page with no flow after it: no URL to fill in
    else:
        search = {"mode": "auto", "url": template}
    fields = fields_of(definition)
    if "name" not in fields:
        return None
    parse: dict[str, Any] = {"cards": [definition.cards], "fields": fields}
    if definition.no_results:
        parse["no_results_selectors"] = [definition.no_results]
    marks = captcha_marks(definition)
    if marks and flow is None:  # a flow of steps meets its captchas as captcha steps
        parse["blocked_selectors"] = list(marks)
    branches = [b for b in map(_branch, definition.branches) if b is not None]
    if branches:
        parse["branches"] = branches
    return search, parse


def flow_of(definition: Definition) -> Flow | None:
    """The definition's scan flow as search steps, or None when a page fetch does the search
    (navigate, waits, extract)."""
    if not needs_steps(list(definition.actions)):
        return None
    return search_flow(
        list(definition.actions), lambda url: translate_template(url, definition.age_ranges)
    )


_FACT_VARIABLES = {
    "first": "{first|lower}",
    "last": "{last|lower}",
    "First": "{first|title}",
    "Last": "{last|title}",
    "city": "{city|lower|hyphen}",
    "City": "{city|title|hyphen}",
    "st": "{state|lower}",
    "ST": "{state|upper}",
    "state": "{state|upper}",
    "state_full": "{state_full|hyphen}",
    "state_full_slug": "{state_full|lower|hyphen}",
    "StateFullName": "{state_full|title|hyphen}",
}


def manual_link(fact_template: str) -> str:
    """A prefilled search link from the facts table's URL pattern, or "" when there is none."""
    url = fact_template.split("   (")[0].split(" (")[0].strip()
    if not url.startswith("https://") or "{" not in url:
        return ""
    names = set(re.findall(r"\{([^}]*)\}", url))
    if not names <= set(_FACT_VARIABLES):
        return ""
    return re.sub(r"\{([^}]*)\}", lambda m: _FACT_VARIABLES[m.group(1)], url)


# --- the opt-out side, from the facts table ------------------------------------------------------


def first_https(cell: str) -> str:
    for token in re.split(r"[\s|;,()]+", cell):
        if token.startswith("https://"):
            return token.rstrip(".")
    return ""


def method_of(cell: str) -> str:
    lowered = cell.lower()
    for method in ("web form", "email", "account", "phone", "mail"):
        if lowered.startswith(method):
            return method
    return "web form" if "form" in lowered else ""


def requires_of(cell: str) -> list[str]:
    lowered = cell.lower()
    found = []
    for needle, label in (
        ("email", "email verification"),
        ("phone", "phone verification"),
        ("url", "listing URL"),
        ("id", "photo ID"),
        ("captcha", "captcha"),
    ):
        if re.search(rf"\b{needle}\b", lowered) and label not in found:
            found.append(label)
    return found


def days_of(cell: str) -> int | None:
    match = re.search(r"(\d+)\s*(h|hours|d|days|business days)?", cell.lower())
    if not match:
        return None
    number = int(match.group(1))
    return max(1, number // 24) if (match.group(2) or "").startswith("h") else number


def company(cell: str) -> str:
    return re.sub(r"\s*\(.*$", "", cell).strip()


def broker_id(domain: str) -> str:
    bare = domain.lower().removeprefix("www.").removesuffix(".com")
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")


# --- building the files ------------------------------------------------------------------------


@dataclass
class Built:
    data: dict[str, Any]
    header: list[str]
    based_on: str = ""
    gaps: tuple[str, ...] = ()
    """What the definition says that the file does not (``gaps``), also in ``header``."""
    withdrawn: str = ""
    """The definition that withdrew the broker (``removedAt``): an older set must not bring its
    recipe back (``brokers update`` compares versions against it)."""


def build_one(
    domain: str,
    definition: Definition | None,
    fact: dict[str, str],
    facts: dict[str, dict[str, str]],
    ddg: dict[str, Definition],
    set_name: str,
) -> Built | None:
    parent_site = definition.parent if definition else ""
    parent_fact = facts.get(parent_site, {})
    optout_url = first_https(fact.get("optout_url", "")) or (
        definition.opt_out if definition else ""
    )
    method = method_of(fact.get("optout_method", ""))
    covered_by = ""
    if not optout_url and parent_site:
        covered_by = parent_site
        optout_url = first_https(parent_fact.get("optout_url", "")) or (
            ddg[parent_site].opt_out if parent_site in ddg else ""
        )
        method = method or method_of(parent_fact.get("optout_method", ""))
    if not optout_url.startswith("https://"):
        return None
    out: dict[str, Any] = {
        "id": broker_id(domain),
        "name": (definition.name if definition else "") or fact.get("name") or domain,
        "domain": domain,
    }
    parent = company(fact.get("parent_company", "")) or company(
        parent_fact.get("parent_company", "")
    )
    if not parent and parent_site in ddg:
        parent = ddg[parent_site].name
    if parent:
        out["parent"] = parent
    if covered_by:
        out["covered_by"] = covered_by
    category = fact.get("category") or "people-search"
    out["category"] = category if category in CATEGORIES else "people-search"
    out["jurisdictions"] = [JURISDICTION.get(domain, "US")]
    mirrors = [m for m in (definition.mirrors if definition else ()) if m != domain]
    mirrors += [old for old, new in MERGED.items() if new == domain]
    if mirrors:
        out["mirrors"] = mirrors
    out["verified"] = False
    header = [f"# {out['name']} ({domain})."]
    recipe = automatic_recipe(definition) if definition else None
    based_on = ""
    if domain in SEIZED or domain in SCRIPT_ONLY or not has_miss_marker(domain, definition):
        recipe = None
    if recipe is not None and definition is not None:
        out["search"], out["parse"] = recipe
        based_on = f"{set_name} ({domain}.json, version {definition.version})"
        header.append(f"# Automatic: follows {based_on}; not yet proved on a real page.")
        flow = flow_of(definition)
        if flow is not None:
            header.append("# Its search is a form: played as steps in the browser.")
            header += [f"# {note}" for note in flow.notes]
    else:
        link = (
            SCRIPT_ONLY.get(domain)
            or PATCHES.get(domain, {}).get("search.url")
            or manual_link(fact.get("search_url_template", ""))
        )
        if not link and definition:
            template = translate_template(definition.url, definition.age_ranges) or ""
            link = template if "{" in template else ""
        prefilled = bool(link)
        if not link and definition and "landing" in definition.url.lower():
            link = definition.url  # the site's own name-search form (it posts, so no prefill)
        # Never a bare homepage: without a search of its own, the opt-out page is where a
        # person starts (most begin with finding your listing).
        out["search"] = {"mode": "manual", "url": link or optout_url}
        header.append("# Manual: " + _why_manual(domain, definition, set_name, prefilled))
    named = live_gaps(domain, definition)
    header += [f"# Gap: {gap}." for gap in named]
    optout: dict[str, Any] = {"url": optout_url, "method": method or "web form"}
    email_cell = fact.get("optout_url", "") + " " + fact.get("optout_method", "")
    email = re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", email_cell)
    if email:
        optout["email"] = email.group(0).rstrip(".")
    requires = requires_of(fact.get("optout_requires", ""))
    if requires:
        optout["requires"] = requires
    days = days_of(fact.get("optout_time_estimate", ""))
    if days is not None:
        optout["days"] = days
    optout["recheck_days"] = 45
    if domain in SEIZED:
        optout["notes"] = SEIZED_NOTE
    out["optout"] = optout
    if recipe is not None:
        for dotted, value in PATCHES.get(domain, {}).items():
            *path, key = dotted.split(".")
            table = out
            for part in path:
                table = table.setdefault(part, {})
            table[key] = value
        out["canary"] = {"name": "John Smith", "city": "Chicago", "state": "IL"}
    withdrawn = ""
    if definition is not None and definition.removed:
        withdrawn = (
            f"{set_name} ({domain}.json, version {definition.version}, "
            f"removed {definition.removed})"
        )
    return Built(out, header, based_on, tuple(named), withdrawn)


def has_miss_marker(domain: str, definition: Definition | None) -> bool:
    """Whether a search of this site can ever say "nobody here": the definition's no-result
    selector, or a no-result answer read off the live site (``PATCHES``, with its source).
    Without one, every miss would read ``changed``, so the search stays manual."""
    if definition is None or definition.no_results:
        return True
    return any(key.startswith("parse.no_results") for key in PATCHES.get(domain, {}))


def live_gaps(domain: str, definition: Definition | None) -> list[str]:
    """The gaps of a definition the site still runs (a removed or seized one is not used)."""
    if definition is None or definition.removed or domain in SEIZED:
        return []
    return gaps(definition)


def _why_manual(domain: str, definition: Definition | None, set_name: str, linked: bool) -> str:
    link = "a prefilled search link" if linked else "its search form or opt-out page"
    if domain in SEIZED:
        return SEIZED_NOTE
    if domain in SCRIPT_ONLY:
        return f"a script-only app behind a captcha; {link}."
    if definition is None:
        return f"no maintained definition of its search; {link}."
    if definition.removed:
        return f"{set_name} removed its definition on {definition.removed}; {link}."
    if not has_miss_marker(domain, definition):
        return (
            f"no miss marker: {set_name} gives no no-result marker for its search and none has "
            "been read off the live site, so a search that finds nobody could never say so "
            f"(it would read as a changed page); {link}."
        )
    flow = flow_of(definition)
    if flow is not None and (flow.gaps or not flow.url):
        return f"its search flow cannot be played as written ({'; '.join(flow.gaps)}); {link}."
    return f"its search is a form post or a landing page, not a URL to fill in; {link}."


STEPS_START = re.compile(r"^(?:# Opt-out steps.*\n(?:#.*\n)*)?\[\[optout\.steps\]\]", re.M)
OTHER_TABLE = re.compile(r"^\[(?!\[optout\.steps\]\])", re.M)


def hand_written_steps(text: str) -> str:
    """The ``[[optout.steps]]`` of a broker file (with the comment naming their evidence):
    written by hand from a proved form, kept when the rest of the file is rebuilt."""
    start = STEPS_START.search(text)
    if start is None:
        return ""
    block = text[start.start() :]
    end = OTHER_TABLE.search(block, 1)
    return "\n" + (block[: end.start()] if end else block).rstrip("\n") + "\n"
