"""`brokers update` below the command line: a set of definitions becomes installed recipes.

The sets are the made-up ones in tests/fixtures/brokers/sets (see its README); the shipped broker
files are the real ones, so "facts from the shipped file" and "a proved recipe is kept" are
checked against what lowprofile really ships.
"""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import stat
import tomllib
import zipfile
from pathlib import Path

import pytest
import respx

from lowprofile.brokers import update
from lowprofile.brokers.installed import installed_dir, overlay, read_manifest
from lowprofile.brokers.loader import load_brokers
from lowprofile.brokers.sets import (
    DEFAULT_URL,
    DefinitionSet,
    SetError,
    fetch_set,
    read_folder,
    read_zip,
    with_ref,
)
from lowprofile.config import Settings
from lowprofile.fetch.http import Http
from lowprofile.resources import shipped_brokers_dir

SETS = Path(__file__).resolve().parents[1] / "fixtures" / "brokers" / "sets"
BASE = "http://127.0.0.1:9"  # never contacted here: these tests only build and load recipes


def definition_set(tmp_path: Path, name: str, base: str = BASE) -> Path:
    """A copy of a fixture set with its local site's address filled in."""
    folder = tmp_path / "sets" / name
    folder.mkdir(parents=True)
    for source in (SETS / name).glob("*.json"):
        (folder / source.name).write_text(source.read_text("utf-8").replace("{base}", base))
    return folder


def prepared(folder: Path) -> update.UpdatePlan:
    return update.prepare(
        read_folder(folder), update.staging_dir(), shipped_brokers_dir(), allow_loopback=True
    )


def by_id(plan: update.UpdatePlan) -> dict[str, update.Change]:
    return {c.broker: c for c in plan.changes}


def shipped_data(broker_id: str) -> dict:  # type: ignore[type-arg]
    return tomllib.loads((shipped_brokers_dir() / f"{broker_id}.toml").read_text("utf-8"))


def test_a_newer_set_installs_keeps_the_proved_recipe_and_refuses_the_broken(
    tmp_path: Path,
) -> None:
    plan = prepared(definition_set(tmp_path, "newer"))
    changes = by_id(plan)
    assert changes["localpeople-example"].action == "install"
    assert changes["clustrmaps"].action == "install"
    spokeo = changes["spokeo"]
    assert spokeo.action == "kept"
    assert "verified = true" in spokeo.lines[0]
    assert 'parse.cards: ["div[role=\'listitem\']"] -> [".made-up-spokeo-card"]' in spokeo.lines
    broken = changes["brokenpeople-example"]
    assert broken.action == "refused"
    assert broken.lines[0].startswith("brokenpeople.example.json:parse.cards: invalid CSS")
    private = changes["privatepeople-example"]
    assert private.action == "refused"
    assert private.lines[0].startswith("privatepeople.example.json:search.url: ")
    target = update.install(plan)
    manifest = read_manifest(target)
    assert manifest is not None
    assert set(manifest.recipes) == {"localpeople-example", "clustrmaps"}
    assert sorted(p.name for p in target.glob("*.toml")) == [
        "clustrmaps.toml",
        "localpeople-example.toml",
    ]
    for path in [*target.rglob("*.toml"), *target.rglob("*.json")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_facts_come_from_the_shipped_file_and_the_recipe_from_the_definition(
    tmp_path: Path,
) -> None:
    update.install(prepared(definition_set(tmp_path, "newer")))
    installed = tomllib.loads((installed_dir() / "clustrmaps.toml").read_text("utf-8"))
    shipped = shipped_data("clustrmaps")
    assert installed["optout"] == shipped["optout"]
    for key in ("name", "domain", "parent", "category", "jurisdictions"):
        assert installed[key] == shipped[key]
    assert installed["parse"]["cards"] == [".made-up-person"]
    assert installed["verified"] is False
    new = tomllib.loads((installed_dir() / "localpeople-example.toml").read_text("utf-8"))
    assert new["optout"]["url"] == "https://localpeople.example/optout"  # the definition's own


def test_the_loader_reads_the_installed_recipe_until_the_shipped_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    update.install(prepared(definition_set(tmp_path, "newer")))
    loaded = load_brokers(allow_loopback=True)
    assert loaded.brokers["clustrmaps"].parse.cards == (".made-up-person",)
    assert loaded.origins["clustrmaps"].kind == "installed"
    assert loaded.origins["clustrmaps"].version == "9.0.0"
    assert loaded.origins["spokeo"].kind == "shipped"
    assert "localpeople-example" in loaded.brokers
    # A newer lowprofile whose shipped file changed: the shipped recipe answers again.
    release = tmp_path / "newer-release"
    shutil.copytree(shipped_brokers_dir(), release)
    edited = release / "clustrmaps.toml"
    edited.write_text(edited.read_text("utf-8") + "\n# proved since\n", "utf-8")
    monkeypatch.setattr("lowprofile.brokers.loader.shipped_brokers_dir", lambda: release)
    again = load_brokers(allow_loopback=True)
    assert again.brokers["clustrmaps"].parse.cards == tuple(
        shipped_data("clustrmaps")["parse"]["cards"]
    )
    assert again.origins["clustrmaps"].kind == "shipped"
    assert "shipped file changed" in again.set_aside["clustrmaps"]
    assert again.origins["localpeople-example"].kind == "installed"  # not shipped: still read


def test_a_file_the_manifest_does_not_name_is_not_read(tmp_path: Path) -> None:
    update.install(prepared(definition_set(tmp_path, "newer")))
    stray = installed_dir() / "spokeo.toml"
    stray.write_text((installed_dir() / "clustrmaps.toml").read_text("utf-8"), "utf-8")
    assert "spokeo" not in overlay(shipped_brokers_dir()).files


def test_the_second_update_shows_what_changed_since_the_first(tmp_path: Path) -> None:
    update.install(prepared(definition_set(tmp_path, "older")))
    plan = prepared(definition_set(tmp_path, "newer"))
    lines = by_id(plan)["localpeople-example"].lines
    assert 'parse.cards: [".old-card"] -> [".person-card"]' in lines
    assert 'parse.fields.age.after: (none) -> "Age "' in lines
    update.discard(plan)
    assert not plan.staging.exists()


def test_a_definition_older_than_the_shipped_recipe_is_kept(tmp_path: Path) -> None:
    folder = definition_set(tmp_path, "newer")
    text = (folder / "clustrmaps.com.json").read_text("utf-8")
    (folder / "clustrmaps.com.json").write_text(text.replace('"9.0.0"', '"0.1.0"'))
    change = by_id(prepared(folder))["clustrmaps"]
    assert change.action == "kept"
    assert change.lines == (
        "kept: the shipped recipe follows definition 0.5.0, newer than this set's 0.1.0",
    )


def test_a_file_that_is_not_a_definition_is_refused_alone(tmp_path: Path) -> None:
    folder = definition_set(tmp_path, "newer")
    (folder / "list.example.json").write_text("[1, 2]")
    (folder / "half.example.json").write_text('{"name": ')
    changes = by_id(prepared(folder))
    assert changes["list.example"].lines == ("list.example.json:-: not a JSON object",)
    assert changes["half.example"].lines[0].startswith("half.example.json:-: Expecting value")
    assert changes["localpeople-example"].action == "install"


def test_reset_removes_the_installed_set(tmp_path: Path) -> None:
    assert update.reset() is False
    update.install(prepared(definition_set(tmp_path, "newer")))
    assert update.reset() is True
    assert not installed_dir().exists()
    assert load_brokers().origins["clustrmaps"].kind == "shipped"


# --- where a set comes from ----------------------------------------------------------------


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_is_read_by_its_json_entries_only() -> None:
    data = zipped({"JSON/a.com.json": b"{}", "JSON/readme.md": b"x", "b.org.json": b"{}"})
    assert sorted(read_zip(data, "set.zip").files) == ["a.com.json", "b.org.json"]
    with pytest.raises(SetError, match="two definitions named a.com.json"):
        read_zip(zipped({"x/a.com.json": b"{}", "y/a.com.json": b"{}"}), "set.zip")
    with pytest.raises(SetError, match="not a zip"):
        read_zip(b"PK\x03\x04 but nothing more", "set.zip")
    with pytest.raises(SetError, match="no \\*.json definition files"):
        read_zip(zipped({"readme.md": b"x"}), "set.zip")


def test_a_zip_that_unpacks_too_big_is_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("lowprofile.brokers.sets.MAX_SET_BYTES", 10)
    with pytest.raises(SetError, match="unpacks to more than 10 bytes"):
        read_zip(zipped({"a.com.json": b"{" + b" " * 20 + b"}"}), "set.zip")


def test_the_ref_goes_into_a_github_folder_address() -> None:
    assert with_ref(DEFAULT_URL, None) == (f"{DEFAULT_URL}?ref=main", "main")
    assert with_ref(DEFAULT_URL + "?ref=main", "v1.2") == (f"{DEFAULT_URL}?ref=v1.2", "v1.2")
    tree = "https://github.com/o/r/tree/abc123/Some/JSON"
    assert with_ref(tree, None) == (
        "https://api.github.com/repos/o/r/contents/Some/JSON?ref=abc123",
        "abc123",
    )
    assert with_ref("https://example.org/set.zip", "2026-02") == (
        "https://example.org/set.zip",
        "2026-02",
    )


def fetched(url: str, ref: str | None = None) -> DefinitionSet:
    """``fetch_set`` through the real client (the autouse respx router answers)."""

    async def run() -> DefinitionSet:
        async with Http(Settings(retries=0)) as http:
            return await fetch_set(http, url, ref)

    return asyncio.run(run())


def test_the_default_source_is_fetched_with_its_commit(no_network: respx.MockRouter) -> None:
    listing = [
        {"name": "a.com.json", "type": "file", "download_url": "https://raw.example/a.com.json"},
        {"name": "notes.md", "type": "file", "download_url": "https://raw.example/notes.md"},
        {"name": "sub", "type": "dir", "download_url": None},
    ]
    commit = "64c442ee31b848462b5c9ac04594c84ec74533ea"
    no_network.get(f"{DEFAULT_URL}?ref=main").respond(200, json=listing)
    no_network.get("https://raw.example/a.com.json").respond(200, text='{"url": "a.com"}')
    commits = no_network.get("https://api.github.com/repos/duckduckgo/apple-browsers/commits/main")
    commits.respond(200, text=commit)
    got = fetched(DEFAULT_URL)
    assert got == DefinitionSet({"a.com.json": b'{"url": "a.com"}'}, DEFAULT_URL, "main", commit)
    assert commits.calls.last.request.headers["Accept"] == "application/vnd.github.sha"


def test_an_unknown_commit_is_a_note_not_a_failure(no_network: respx.MockRouter) -> None:
    listing = [{"name": "a.com.json", "download_url": "https://raw.example/a.com.json"}]
    no_network.get(f"{DEFAULT_URL}?ref=v9").respond(200, json=listing)
    no_network.get("https://raw.example/a.com.json").respond(200, text="{}")
    no_network.get("https://api.github.com/repos/duckduckgo/apple-browsers/commits/v9").respond(
        404, json={"message": "No commit found"}
    )
    got = fetched(DEFAULT_URL, "v9")
    assert got.commit is None and got.ref == "v9"
    assert got.notes and "the commit of v9 is not known" in got.notes[0]


def test_a_listing_that_is_an_api_error_says_so(no_network: respx.MockRouter) -> None:
    no_network.get(f"{DEFAULT_URL}?ref=main").respond(200, json={"message": "API rate limit"})
    with pytest.raises(SetError, match="not a folder listing \\(API rate limit\\)"):
        fetched(DEFAULT_URL)


def test_json_dump_of_a_plan_is_plain_data(tmp_path: Path) -> None:
    plan = prepared(definition_set(tmp_path, "newer"))
    out = json.loads(json.dumps(plan.to_dict()))
    assert {c["action"] for c in out["changes"]} >= {"install", "kept", "refused"}
    update.discard(plan)


def test_a_set_that_agrees_with_the_shipped_file_takes_the_installed_recipe_back(
    tmp_path: Path,
) -> None:
    update.install(prepared(definition_set(tmp_path, "newer")))
    plan = prepared(definition_set(tmp_path, "back"))
    assert by_id(plan)["clustrmaps"] == update.Change(
        "clustrmaps", "unchanged", "clustrmaps.com.json", "0.5.0", ("back to the shipped recipe",)
    )
    update.install(plan)
    assert load_brokers().origins["clustrmaps"].kind == "shipped"


def test_the_shared_sets_older_then_2026_02(shared_data: Path) -> None:
    """On DuckDuckGo's real sets: the older one (2023-09..2025-02) installs nothing, since
    every recipe it would change belongs to a broker the 2026-02 set withdrew or follows a newer
    definition; the 2026-02 one, which the shipped files follow, changes no shipped recipe apart
    from the proved ones it would change (kept, with the conflict)."""
    older = prepared(shared_data / "ddg-brokers")
    assert [c.broker for c in older.changes if c.action == "install"] == []
    assert {"peoplewhiz", "peoplewhizr"} <= {c.broker for c in older.changes if c.action == "kept"}
    update.install(older)
    plan = prepared(shared_data / "ddg-brokers-2026-02")
    moved = {c.broker: c for c in plan.changes if c.action not in ("unchanged", "skipped")}
    assert {c.action for c in moved.values()} == {"kept"}
    shipped = {b: shipped_data(b) for b in moved}
    assert all(data["verified"] is True for data in shipped.values()), sorted(moved)
    update.install(plan)
    assert not overlay(shipped_brokers_dir()).files


def test_a_definition_the_importer_chokes_on_is_refused_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = update.importer.build_one

    def choking(domain: str, *args: object) -> object:
        if domain == "clustrmaps.com":
            raise TypeError("steps is not a list")
        return real(domain, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(update.importer, "build_one", choking)
    plan, where = update.run(
        read_folder(definition_set(tmp_path, "newer")),
        shipped_brokers_dir(),
        allow_loopback=True,
        dry_run=False,
    )
    assert by_id(plan)["clustrmaps"].lines == (
        "clustrmaps.com.json:-: the importer cannot read it: TypeError: steps is not a list",
    )
    assert where is not None and (where / "localpeople-example.toml").is_file()
    assert list(where.parent.glob(".brokers-*")) == []


def test_a_failure_half_way_leaves_no_staged_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise OSError("disk full")

    monkeypatch.setattr(update, "install", broken)
    with pytest.raises(OSError, match="disk full"):
        update.run(
            read_folder(definition_set(tmp_path, "newer")),
            shipped_brokers_dir(),
            allow_loopback=True,
            dry_run=False,
        )
    assert list(installed_dir().parent.glob(".brokers-*")) == []


def test_a_damaged_zip_entry_is_one_error() -> None:
    data = bytearray(zipped({"a.com.json": b'{"url": "a.com"}'}))
    at = data.index(b'{"url"')
    data[at : at + 6] = b"XXXXXX"  # the stored bytes no longer match their CRC
    with pytest.raises(SetError, match="a.com.json: cannot unpack: Bad CRC-32"):
        read_zip(bytes(data), "set.zip")


def test_an_older_set_never_brings_back_a_broker_its_maintainer_withdrew(
    shared_data: Path,
) -> None:
    """PeopleWhiz's 2026-02 definition withdrew it (removed 2025-11-21, version 0.8.0); the
    older set still has it live (0.1.6). Installing the older set must not make it automatic
    again: the recipe would search a site no maintained definition stands behind."""
    plan = prepared(shared_data / "ddg-brokers")
    change = by_id(plan)["peoplewhiz"]
    assert change.action == "kept"
    assert change.lines == (
        "kept: the shipped recipe follows definition 0.8.0, newer than this set's 0.1.6",
    )
    update.install(plan)
    assert "peoplewhiz" not in overlay(shipped_brokers_dir()).files


def test_a_newer_opt_out_flow_replaces_steps_translated_from_the_older_one(
    tmp_path: Path,
) -> None:
    """MyLife's shipped steps were translated from its 2026-02 flow: a set whose flow renames a
    field installs the newer steps and says which step changed. Steps written by hand (Spokeo)
    are never touched (the proved-recipe test above)."""
    change = by_id(prepared(definition_set(tmp_path, "flow")))["mylife"]
    assert change.action == "install", change
    assert any(
        line.startswith("optout.steps #2.selector:") and "givenName" in line
        for line in change.lines
    ), change.lines
    update.install(prepared(definition_set(tmp_path / "again", "flow")))
    installed = tomllib.loads((installed_dir() / "mylife.toml").read_text("utf-8"))
    fills = [s["selector"] for s in installed["optout"]["steps"] if s["action"] == "fill"]
    assert "//form//input[@name='givenName']" in fills
    assert "//form//input[@name='firstname']" not in fills
