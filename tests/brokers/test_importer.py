"""lowprofile.brokers.importer: DuckDuckGo definitions in, broker files and a change report out."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lowprofile.brokers import importer, rebuild
from lowprofile.brokers.schema import check_broker_file

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    return importer


def definition(domain: str, **changes: Any) -> dict[str, Any]:
    extract = {
        "actionType": "extract",
        "selector": changes.pop("cards", ".card"),
        "noResultsSelector": changes.pop("no_results", "#none"),
        "profile": {
            "name": {"selector": ".name"},
            "age": {"selector": "//span[@class='age']", "afterText": "Age "},
        },
    }
    default_url = f"https://{domain}/${{firstName}}-${{lastName}}/${{city}}"
    navigate = {"actionType": "navigate", "url": changes.pop("url", default_url)}
    data = {
        "name": domain.split(".")[0].title(),
        "url": domain,
        "version": changes.pop("version", "0.1.0"),
        "steps": [{"stepType": "scan", "actions": [navigate, extract]}],
        "removedAt": changes.pop("removed", None),
        "mirrorSites": changes.pop("mirrors", []),
        "optOutUrl": f"https://{domain}/optout",
    }
    return data


def write_set(folder: Path, *items: dict[str, Any]) -> Path:
    folder.mkdir(parents=True)
    for item in items:
        (folder / f"{item['url']}.json").write_text(json.dumps(item), encoding="utf-8")
    return folder


def test_templates_hyphenate_places_in_paths_only(tool: ModuleType) -> None:
    url = "https://a.com/${firstName}-${lastName}/${state|stateFull}/${city}?age=${age|ageRange}"
    # Without brackets in the definition, DuckDuckGo sends the age itself.
    assert tool.translate_template(url) == (
        "https://a.com/{first}-{last}/{state_full|hyphen}/{city|hyphen}?age={age|optional}"
    )
    assert tool.translate_template(url, ("18-30", "81+")).endswith(
        "?age={age|range:18-30,81+|optional}"
    )
    query = "https://a.com/s?city=${city|capitalize}&st=${state|upcase}&age=${age}"
    assert tool.translate_template(query) == (
        "https://a.com/s?city={city|title}&st={state|upper}&age={age|optional}"
    )
    assert (
        tool.translate_template("https://a.com/${city|hyphenated}") == "https://a.com/{city|hyphen}"
    )
    assert tool.translate_template("https://a.com/${nickname}") is None


def test_field_selectors_are_read_inside_each_card(tool: ModuleType) -> None:
    assert tool.card_relative("//h3[1]") == ".//h3[1]"
    assert tool.card_relative(".name") == ".name"


def test_a_live_definition_becomes_an_automatic_recipe(tool: ModuleType) -> None:
    live = tool.read_definition(definition("a.com"), "a.com")
    search, parse = tool.automatic_recipe(live)
    assert search == {"mode": "auto", "url": "https://a.com/{first}-{last}/{city|hyphen}"}
    assert parse["no_results_selectors"] == ["#none"]
    assert parse["fields"]["age"] == {"selectors": [".//span[@class='age']"], "after": "Age "}
    removed = tool.read_definition(definition("a.com", removed=1781049600000), "a.com")
    assert removed.removed == "2026-06-10"
    assert tool.automatic_recipe(removed) is None
    posted = tool.read_definition(definition("a.com", url="https://a.com/name/landing"), "a.com")
    assert tool.automatic_recipe(posted) is None


def test_diff_reports_each_change_per_broker(tool: ModuleType, tmp_path: Path) -> None:
    old = write_set(
        tmp_path / "old",
        definition("a.com"),
        definition("b.com"),
        definition("gone.com"),
    )
    new = write_set(
        tmp_path / "new",
        definition("a.com", version="0.2.0", no_results="#nothing", mirrors=[{"url": "a2.com"}]),
        definition("b.com"),
        definition("c.com"),
    )
    lines = tool.diff_sets(tool.load_set(old), tool.load_set(new))
    assert lines[0] == "a.com: version 0.1.0 -> 0.2.0"
    assert "  no-result selector: #none -> #nothing" in lines
    assert "  mirrors: (none) -> a2.com" in lines
    assert "c.com: new in the newer set (version 0.1.0)" in lines
    assert "gone.com: absent from the newer set" in lines
    assert not any(line.startswith("b.com") for line in lines)


def test_build_writes_valid_files_and_keeps_proved_ones(tool: ModuleType, tmp_path: Path) -> None:
    json_dir = write_set(
        tmp_path / "json",
        definition("live.com"),
        definition("gone.com", removed=1781049600000),
        definition("proved.com"),
    )
    facts = tmp_path / "facts.csv"
    facts.write_text(
        "name,domain,parent_company,category,search_url_template,optout_url,optout_method,"
        "optout_requires,optout_time_estimate\n"
        "Listed,listed.com,,people-search,https://listed.com/p/{first}-{last}/{ST}   (note),"
        "https://listed.com/remove,web form,email,3 days\n",
        encoding="utf-8",
    )
    out = tmp_path / "brokers"
    out.mkdir()
    steps = (
        "# Opt-out steps: the form as its definition describes it.\n"
        '[[optout.steps]]\naction = "navigate"\nurl = "https://live.com/optout"\n\n'
        '[[optout.steps]]\naction = "fill"\nselector = "#email"\nvalue = "email"\n\n'
        '[[optout.steps]]\naction = "click"\nselector = "#go"\nsubmit = true\n'
    )
    (out / "live.toml").write_text('id = "live"\n\n[canary]\nname = "x"\n\n' + steps)
    proved = out / "proved.toml"
    proved.write_text('id = "proved"\nverified = true\n', encoding="utf-8")
    evidence = tmp_path / "evidence.toml"
    report = rebuild.build(facts, json_dir, "Set 2026-02", out, evidence)
    assert "proved: kept (proved on a real page, edited by hand)" in report
    assert proved.read_text(encoding="utf-8") == 'id = "proved"\nverified = true\n'
    for name in ("live", "gone", "listed"):
        broker, problems = check_broker_file(out / f"{name}.toml")
        assert broker is not None, problems
    live = tomllib.loads((out / "live.toml").read_text(encoding="utf-8"))
    assert live["search"]["mode"] == "auto"
    assert [s["action"] for s in live["optout"]["steps"]] == ["navigate", "fill", "click"]
    assert steps in (out / "live.toml").read_text("utf-8")  # kept as written, comment and all
    gone = tomllib.loads((out / "gone.toml").read_text(encoding="utf-8"))
    assert gone["search"]["mode"] == "manual"
    assert "removed its definition on 2026-06-10" in (out / "gone.toml").read_text("utf-8")
    listed = tomllib.loads((out / "listed.toml").read_text(encoding="utf-8"))
    assert listed["search"] == {
        "mode": "manual",
        "url": "https://listed.com/p/{first|lower}-{last|lower}/{state|upper}",
    }
    assert tomllib.loads(evidence.read_text("utf-8")) == {
        "live": {"based_on": "Set 2026-02 (live.com.json, version 0.1.0)"},
        "gone": {"withdrawn": "Set 2026-02 (gone.com.json, version 0.1.0, removed 2026-06-10)"},
    }


def test_shared_sets_show_the_2026_changes(tool: ModuleType) -> None:
    old, new = SHARED / "ddg-brokers", SHARED / "ddg-brokers-2026-02"
    if not (old.is_dir() and new.is_dir()):
        pytest.skip(f"the shared DuckDuckGo sets are not here ({old}, {new})")
    lines = tool.diff_sets(tool.load_set(old), tool.load_set(new))
    assert "neighbors.report: absent from the newer set" in lines
    assert "  cards: .single-column-list-item -> div[role='listitem']" in lines
    assert any(line.startswith("  removed: (none) -> 2") for line in lines)


DEFINITION_BASED = (
    "clustrmaps", "cyberbackgroundchecks", "fastbackgroundcheck", "fastpeoplesearch",
    "freepeopledirectory", "infotracer", "mylife", "neighbor-report", "officialusa",
    "peoplefinders", "peoplesearchnow", "quickpeopletrace", "searchpeoplefree",
    "smartbackgroundchecks", "usa-people-search", "usatrace", "veripages",
)  # fmt: skip
"""The 17 recipes that followed the 2026-02 set when issue 26 was filed (infotracer and
smartbackgroundchecks have since become manual: the set gives them no miss marker)."""
SET_NAME = "DuckDuckGo broker definitions 2026-02"


@pytest.mark.shared_data
def test_the_definition_based_recipes_rebuild_to_the_shipped_files(
    tool: ModuleType, shared_data: Path, tmp_path: Path
) -> None:
    """Rebuilt from the 2026-02 set the way the files were made (over a copy of the shipped
    folder, so hand-written opt-out steps are kept), each of the 17 equals the shipped file byte
    for byte, and the evidence of each is the shipped evidence: nothing in them was edited by
    hand past the importer, and nothing the importer now reads is missing from them."""
    json_dir, facts = shared_data / "ddg-brokers-2026-02", shared_data / "brokers-facts.csv"
    if not (json_dir.is_dir() and facts.is_file()):
        pytest.skip(f"the 2026-02 set or the facts table is not here ({json_dir}, {facts})")
    shipped = ROOT / "brokers"
    out = tmp_path / "brokers"
    out.mkdir()
    for path in shipped.glob("*.toml"):
        (out / path.name).write_bytes(path.read_bytes())
    evidence = tmp_path / "evidence.toml"
    shipped_evidence = ROOT / "src" / "lowprofile" / "brokers" / "evidence.toml"
    evidence.write_bytes(shipped_evidence.read_bytes())
    rebuild.build(facts, json_dir, SET_NAME, out, evidence)
    differ = [
        broker_id
        for broker_id in DEFINITION_BASED
        if (out / f"{broker_id}.toml").read_text("utf-8")
        != (shipped / f"{broker_id}.toml").read_text("utf-8")
    ]
    assert differ == []
    rebuilt = tomllib.loads(evidence.read_text("utf-8"))
    expected = tomllib.loads(shipped_evidence.read_text("utf-8"))
    for broker_id in DEFINITION_BASED:
        assert rebuilt.get(broker_id) == expected.get(broker_id), broker_id


def test_lists_beside_a_single_field_are_past_places_and_aliases_are_kept(
    tool: ModuleType,
) -> None:
    data = definition("a.com")
    profile = data["steps"][0]["actions"][1]["profile"]
    profile["addressCityState"] = {"selector": ".now"}
    profile["addressCityStateList"] = {"selector": ".before", "findElements": True}
    profile["alternativeNamesList"] = {"selector": ".aka", "findElements": True}
    fields = tool.fields_of(tool.read_definition(data, "a.com"))
    assert fields["locations"] == {"selectors": [".now"]}
    assert fields["past_locations"] == {"selectors": [".before"], "all": True}
    assert fields["aliases"] == {"selectors": [".aka"], "all": True}
    del profile["addressCityState"]
    alone = tool.fields_of(tool.read_definition(data, "a.com"))
    assert alone["locations"] == {"selectors": [".before"], "all": True}
    assert "past_locations" not in alone


def test_a_definition_without_a_miss_marker_becomes_manual_with_its_reason(
    tool: ModuleType,
) -> None:
    silent = tool.read_definition(definition("a.com", no_results=""), "a.com")
    assert not tool.has_miss_marker("a.com", silent)
    built = tool.build_one("a.com", silent, {}, {}, {"a.com": silent}, SET_NAME)
    assert built.data["search"]["mode"] == "manual"
    assert built.based_on == ""
    assert any("no miss marker" in line for line in built.header)
    # A no-result answer read off the live site (a named source in PATCHES) is a marker too.
    assert tool.has_miss_marker(
        "mylife.com", tool.read_definition(definition("mylife.com", no_results=""), "mylife.com")
    )
