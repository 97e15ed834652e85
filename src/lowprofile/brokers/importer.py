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

import csv
import json
import re
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from lowprofile.brokers.import_flow import Flow, needs_steps, scan_actions, search_flow

FIELD_MAP = {
    "name": "name",
    "age": "age",
    "addressCityState": "locations",
    "addressCityStateList": "locations",
    "addressFull": "addresses",
    "addressFullList": "addresses",
    "phone": "phones",
    "phoneList": "phones",
    "relativesList": "relatives",
    "alternativeNamesList": "aliases",
    "profileUrl": "url",
}
PAST_LISTS = {"addressCityStateList": "addressCityState", "addressFullList": "addressFull"}
"""A list beside its single field holds the places the person lived before (CyberBackgroundChecks'
``address-previous``, Veripages' "Has lived in", MyLife's ``hit-pastAddresses``): it becomes
``past_locations``. Without the single field beside it, the list is where the person lives."""
FILTER_MAP = {"upcase": "upper", "downcase": "lower", "capitalize": "title", "hyphenated": "hyphen"}
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
    """The scan flow as written (``import_flow`` says it as search steps where it needs them)."""

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
        return out


def _date(millis: Any) -> str:
    if not millis:
        return ""
    return datetime.fromtimestamp(int(millis) / 1000, UTC).date().isoformat()


def read_definition(data: dict[str, Any], fallback: str) -> Definition:
    url = cards = no_results = ""
    fields: dict[str, dict[str, Any]] = {}
    for step in data.get("steps", []):
        if step.get("stepType") != "scan":
            continue
        for action in step.get("actions", []):
            if action.get("actionType") == "navigate" and not url:
                url = str(action.get("url", ""))
            if action.get("actionType") == "extract" and not cards:
                cards = str(action.get("selector", ""))
                no_results = str(action.get("noResultsSelector") or "")
                fields = dict(action.get("profile") or {})
    opt_out = str(data.get("optOutUrl") or "")
    return Definition(
        domain=str(data.get("url") or fallback),
        name=str(data.get("name") or fallback),
        version=str(data.get("version") or ""),
        parent=str(data.get("parent") or ""),
        url=url,
        cards=cards,
        no_results=no_results,
        fields=fields,
        mirrors=tuple(str(m["url"]) for m in data.get("mirrorSites", []) if not m.get("removedAt")),
        removed=_date(data.get("removedAt")),
        opt_out=opt_out,
        actions=tuple(scan_actions(data)),
    )


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


def translate_template(url: str) -> str | None:
    """DuckDuckGo's ``${city|hyphenated}`` to ours, ``{city|hyphen}``; None if it cannot be."""

    def one(match: re.Match[str]) -> str:
        variable, *filters = match.group(1).split("|")
        out_filters: list[str] = []
        name = VARIABLE_MAP.get(variable)
        if name is None:
            raise KeyError(variable)
        if "ageRange" in filters:
            # DuckDuckGo turns the age into the site's own age bracket; we do not know the
            # brackets, and an exact age where a bracket is expected can make a site answer
            # "nobody". The parameter is sent empty: a broader search, never a false miss.
            return ""
        for f in filters:
            if f == "stateFull":
                name = "state_full"
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
    query = re.sub(r"\{(age|middle)\}", r"{\1|optional}", query)
    return base + question + query


def _hyphenate(match: re.Match[str]) -> str:
    return "{" + match.group(1) + match.group(2) + "|hyphen}"


def card_relative(selector: str) -> str:
    """Field selectors run inside one card: ``//h3`` would read the first card's value."""
    return "." + selector if selector.startswith("//") else selector


def fields_of(definition: Definition) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, spec in definition.fields.items():
        target = FIELD_MAP.get(key)
        single = definition.fields.get(PAST_LISTS.get(key, ""))
        if single and single.get("selector"):
            target = "past_locations"
        if not target or not spec or not spec.get("selector") or target in fields:
            continue
        rule: dict[str, Any] = {"selectors": [card_relative(str(spec["selector"]))]}
        if spec.get("findElements"):
            rule["all"] = True
        for src, dst in (("afterText", "after"), ("beforeText", "before"),
                         ("separator", "separator")):  # fmt: skip
            if spec.get(src):
                rule[dst] = spec[src]
        fields[target] = rule
    return fields


def automatic_recipe(definition: Definition) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(search, parse)`` for a live definition with a templated GET search, else None."""
    if definition.removed or not definition.cards:
        return None
    flow = flow_of(definition)
    template = translate_template(definition.url)
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
    return search, parse


def flow_of(definition: Definition) -> Flow | None:
    """The definition's scan flow as search steps, or None when a page fetch does the search
    (navigate, waits, extract)."""
    if not needs_steps(list(definition.actions)):
        return None
    return search_flow(list(definition.actions), translate_template)


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
            template = translate_template(definition.url) or ""
            link = template if "{" in template else ""
        prefilled = bool(link)
        if not link and definition and "landing" in definition.url.lower():
            link = definition.url  # the site's own name-search form (it posts, so no prefill)
        # Never a bare homepage: without a search of its own, the opt-out page is where a
        # person starts (most begin with finding your listing).
        out["search"] = {"mode": "manual", "url": link or optout_url}
        header.append("# Manual: " + _why_manual(domain, definition, set_name, prefilled))
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
    return Built(out, header, based_on)


def has_miss_marker(domain: str, definition: Definition | None) -> bool:
    """Whether a search of this site can ever say "nobody here": the definition's no-result
    selector, or a no-result answer read off the live site (``PATCHES``, with its source).
    Without one, every miss would read ``changed``, so the search stays manual."""
    if definition is None or definition.no_results:
        return True
    return any(key.startswith("parse.no_results") for key in PATCHES.get(domain, {}))


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


def build(
    facts_csv: Path, json_dir: Path, set_name: str, out_dir: Path, evidence_path: Path
) -> list[str]:
    """Rewrite the broker files; returns the report lines."""
    with open(facts_csv, encoding="utf-8") as handle:
        facts = {row["domain"]: row for row in csv.DictReader(handle) if row["domain"]}
    ddg = load_set(json_dir)
    evidence = tomllib.loads(evidence_path.read_text("utf-8")) if evidence_path.exists() else {}
    report: list[str] = []
    for domain in sorted((set(ddg) | set(facts)) - set(MERGED)):
        built = build_one(domain, ddg.get(domain), facts.get(domain, {}), facts, ddg, set_name)
        if built is None:
            continue
        target = out_dir / f"{built.data['id']}.toml"
        if target.exists() and tomllib.loads(target.read_text("utf-8")).get("verified") is True:
            report.append(f"{built.data['id']}: kept (proved on a real page, edited by hand)")
            continue
        header = [
            line
            for comment in built.header
            for line in textwrap.wrap(comment, 99, subsequent_indent="# ")
        ]
        text = "\n".join(header) + "\n" + tomli_w.dumps(built.data)
        steps = hand_written_steps(target.read_text("utf-8")) if target.exists() else ""
        target.write_text(text + steps, encoding="utf-8")
        entry = evidence.setdefault(built.data["id"], {})
        if built.based_on:
            entry["based_on"] = built.based_on
        else:
            entry.pop("based_on", None)
            if not entry:
                evidence.pop(built.data["id"])
        report.append(f"{built.data['id']}: {built.data['search']['mode']}")
    for old in MERGED:
        stale = out_dir / f"{broker_id(old)}.toml"
        if stale.exists():
            stale.unlink()
            report.append(f"{broker_id(old)}: removed (merged into {broker_id(MERGED[old])})")
    evidence_path.write_text(
        EVIDENCE_HEADER + tomli_w.dumps(dict(sorted(evidence.items()))), encoding="utf-8"
    )
    return report


EVIDENCE_HEADER = """\
# What backs each automatic broker recipe (data for `lowprofile.brokers.evidence`).
#   verified = date of the newest real page the recipe was proved on (a capture kept under
#              tests/fixtures/brokers/real/<id>/ with its ORIGIN.toml)
#   based_on = the maintained definition the recipe follows
# lowprofile.brokers.importer writes based_on; verified is written by hand with the capture.
"""


def main(argv: list[str]) -> int:
    """The two hand-run jobs of the module docstring; returns the exit code."""
    if len(argv) == 3 and argv[0] == "diff":
        for line in diff_sets(load_set(Path(argv[1])), load_set(Path(argv[2]))):
            print(line)
        return 0
    if len(argv) == 6 and argv[0] == "build":
        lines = build(Path(argv[1]), Path(argv[2]), argv[3], Path(argv[4]), Path(argv[5]))
        for line in lines:
            print(line)
        return 0
    print(__doc__, file=sys.stderr)
    return 2
