"""Draft broker files from the team's shared facts (run by hand; the TOML it writes is reviewed).

Reads the public DuckDuckGo scan definitions (search URL templates, card and field selectors,
parent sites) and the broker facts table (opt-out URLs, methods, requirements, parent companies),
and writes one ``brokers/<id>.toml`` per site that has an https opt-out URL. Every recipe is
marked ``verified = false``: none was checked against the live site from here.

    python tools/make_brokers.py ../shared/data brokers/
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

import tomli_w

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
    "profileUrl": "url",
}
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
NO_RESULTS = {
    "truepeoplesearch.com": ["We could not find any records for that search criteria"],
    "fastpeoplesearch.com": ["We could not find any records for that search criteria"],
}
NO_RESULTS_STATUS = {"spokeo.com": [404]}


def translate_template(url: str) -> str | None:
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
                continue
            elif f.startswith("defaultIfEmpty:"):
                out_filters.append("default:" + f.split(":", 1)[1])
            elif f in FILTER_MAP:
                out_filters.append(FILTER_MAP[f])
            else:
                raise KeyError(f)
        return "{" + "|".join([name, *out_filters]) + "}"

    def optional_in_query(match: re.Match[str]) -> str:
        # A detail the user may not have (age, middle name) is left empty in a query string
        # rather than skipping the site; in a path it stays required.
        text = match.group(0)
        return re.sub(r"\{(age|middle)\}", r"{\1|optional}", text)

    try:
        translated = re.sub(r"\$\{([^}]*)\}", one, url)
        base, question, query = translated.partition("?")
        return base + question + re.sub(r".+", optional_in_query, query) if question else base
    except KeyError:
        return None


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


def ddg_recipe(data: dict[str, Any]) -> dict[str, Any] | None:
    for step in data.get("steps", []):
        if step["stepType"] != "scan":
            continue
        navigate = next((a for a in step["actions"] if a["actionType"] == "navigate"), None)
        extract = next((a for a in step["actions"] if a["actionType"] == "extract"), None)
        if navigate is None:
            return None
        return {"url": navigate["url"], "extract": extract}
    return None


def ddg_optout(data: dict[str, Any]) -> str:
    """The opt-out form address in a DuckDuckGo definition, if it has its own form."""
    if data.get("optOutUrl"):
        return str(data["optOutUrl"])
    for step in data.get("steps", []):
        if step["stepType"] == "optOut" and step.get("optOutType") == "formOptOut":
            for action in step["actions"]:
                if action["actionType"] == "navigate" and "$" not in action["url"]:
                    return str(action["url"])
    return ""


def build(data_dir: Path, out_dir: Path) -> int:
    facts = {
        row["domain"]: row
        for row in csv.DictReader(open(data_dir / "brokers-facts.csv", encoding="utf-8"))
        if row["domain"]
    }
    ddg = {}
    for path in sorted((data_dir / "ddg-brokers").glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        ddg[item.get("url") or path.stem] = item
    written = 0
    domains = sorted(set(ddg) | set(facts))
    for domain in domains:
        item, fact = ddg.get(domain), facts.get(domain, {})
        parent_site = (item or {}).get("parent") or ""
        parent_fact = facts.get(parent_site, {})
        optout_url = first_https(fact.get("optout_url", "")) or ddg_optout(item or {})
        method = method_of(fact.get("optout_method", ""))
        covered_by = ""
        if not optout_url and parent_site:
            covered_by = parent_site
            optout_url = first_https(parent_fact.get("optout_url", "")) or ddg_optout(
                ddg.get(parent_site, {})
            )
            method = method or method_of(parent_fact.get("optout_method", ""))
        if not optout_url.startswith("https://"):
            continue
        bare = domain.lower().removeprefix("www.").removesuffix(".com")
        broker_id = re.sub(r"[^a-z0-9]+", "-", bare).strip("-")
        out: dict[str, Any] = {
            "id": broker_id,
            "name": (item or {}).get("name") or fact.get("name") or domain,
            "domain": domain,
        }
        parent = company(fact.get("parent_company", "")) or company(
            parent_fact.get("parent_company", "")
        )
        if not parent and parent_site in ddg:
            parent = str(ddg[parent_site].get("name") or parent_site)
        if parent:
            out["parent"] = parent
        if covered_by:
            out["covered_by"] = covered_by
        category = fact.get("category") or "people-search"
        out["category"] = category if category in {
            "people-search", "background-check", "phone-lookup", "marketing", "public-records"
        } else "people-search"  # fmt: skip
        jurisdiction = {"192.com": "UK", "ukphonebook.com": "UK", "canada411.ca": "CA"}
        out["jurisdictions"] = [jurisdiction.get(domain, "US")]
        mirrors = [m["url"] for m in (item or {}).get("mirrorSites", []) if not m.get("removedAt")]
        if mirrors:
            out["mirrors"] = mirrors
        out["verified"] = False
        recipe = ddg_recipe(item) if item else None
        template = translate_template(recipe["url"]) if recipe else None
        auto = bool(template and "{" in template and recipe and recipe["extract"])
        if auto and recipe:
            out["search"] = {"mode": "auto", "url": template}
            extract = recipe["extract"]
            fields: dict[str, Any] = {}
            for key, spec in (extract.get("profile") or {}).items():
                target = FIELD_MAP.get(key)
                if not target or not spec or not spec.get("selector") or target in fields:
                    continue
                rule: dict[str, Any] = {"selectors": [spec["selector"]]}
                if spec.get("findElements"):
                    rule["all"] = True
                for src, dst in (("afterText", "after"), ("beforeText", "before"),
                                 ("separator", "separator")):  # fmt: skip
                    if spec.get(src):
                        rule[dst] = spec[src]
                fields[target] = rule
            parse: dict[str, Any] = {"cards": [extract["selector"]], "fields": fields}
            if domain in NO_RESULTS:
                parse["no_results_text"] = NO_RESULTS[domain]
            if domain in NO_RESULTS_STATUS:
                parse["no_results_status"] = NO_RESULTS_STATUS[domain]
            out["parse"] = parse
        else:
            link = template if template and "{" in template else f"https://www.{domain}/"
            if not link.startswith("https://"):
                link = f"https://www.{domain}/"
            out["search"] = {"mode": "manual", "url": link}
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
        out["optout"] = optout
        if auto:
            out["canary"] = {"name": "John Smith", "city": "Chicago", "state": "IL"}
        sources = [
            "brokers-facts.csv" if fact else "",
            "DuckDuckGo broker definitions" if item else "",
        ]
        header = (
            f"# {out['name']} ({domain}). Drafted from: {', '.join(s for s in sources if s)}.\n"
            "# verified = false: this recipe has not been checked against the live site.\n"
        )
        (out_dir / f"{broker_id}.toml").write_text(header + tomli_w.dumps(out), encoding="utf-8")
        written += 1
    return written


if __name__ == "__main__":
    count = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"wrote {count} broker files")
