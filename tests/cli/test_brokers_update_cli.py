"""`lowprofile brokers update [URL|DIR]` as a person runs it (issue 26's must-show).

An older definition set, then a newer one, from a folder: each prints its changes and installs,
and the next scan (a local people-search page on 127.0.0.1) reads with the new recipe. In the
newer set a broken definition is refused with ``file:key: message`` while the rest install, and
a recipe proved on a real page is kept with the conflict shown. The URL form is fetched from a
loopback server (a folder listing in GitHub's format, and a zip).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.localserver import PageHandler, running
from lowprofile.brokers.installed import installed_dir, read_manifest
from lowprofile.cli.main import app

SETS = Path(__file__).resolve().parents[1] / "fixtures" / "brokers" / "sets"
runner = CliRunner()
PERSON_PAGE = b"""<html><body><h1>People named Jane Roe</h1>
<div class="person-card"><span class="name">Jane Roe</span><span class="age">Age 41</span>
<span class="place">Springfield, IL</span><a href="/person/jane-roe-1">View</a></div>
</body></html>"""
JANE = ["--name", "Jane Roe", "--city", "Springfield", "--state", "IL", "--birth-year", "1985"]


class Site:
    """The local people-search site, and a copy of the newer set served as a URL."""

    base = ""
    files: dict[str, bytes] = {}  # noqa: RUF012 - filled once per test by the fixture


class Handler(PageHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        if self.path.startswith("/search/jane-roe/springfield-IL"):
            self._send(200, PERSON_PAGE)
        elif self.path == "/listing.json":
            listing = [
                {"name": n, "type": "file", "download_url": f"{Site.base}/files/{n}"}
                for n in Site.files
            ]
            self._send(200, json.dumps(listing).encode())
        elif self.path.startswith("/files/") and self.path[7:] in Site.files:
            self._send(200, Site.files[self.path[7:]])
        elif self.path == "/set.zip":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for name, data in Site.files.items():
                    archive.writestr(f"JSON/{name}", data)
            self._send(200, buffer.getvalue())
        else:
            self._send(404, b"<html><body><p id='nobody'>No one</p></body></html>")


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[type[Site]]:
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOWPROFILE_RETRIES", "0")
    with running(Handler) as server:
        Site.base = f"http://127.0.0.1:{server.server_address[1]}"
        Site.files = {
            p.name: p.read_text("utf-8").replace("{base}", Site.base).encode()
            for p in (SETS / "newer").glob("*.json")
        }
        yield Site


def set_folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for source in (SETS / name).glob("*.json"):
        text = source.read_text("utf-8").replace("{base}", Site.base)
        (folder / source.name).write_text(text, "utf-8")
    return folder


def scan_result(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "scan.json"
    result = runner.invoke(
        app,
        ["scan", *JANE, "--only", "brokers", "--site", "localpeople-example", "--no-save"]
        + ["--json", str(out)],
    )
    assert result.exit_code in (0, 1), result.output
    results = json.loads(out.read_text())["results"]
    return next(r for r in results if r["source"] == "localpeople-example")


def test_an_older_set_then_a_newer_one(site: type[Site], tmp_path: Path) -> None:
    older = runner.invoke(app, ["brokers", "update", str(set_folder(tmp_path, "older"))])
    assert older.exit_code == 0, older.output
    assert "install   localpeople-example (definition 0.1.0)" in older.stdout
    assert "new broker: facts from its definition" in older.stdout
    assert "1 install" in older.stderr and f"installed in {installed_dir()}" in older.stderr
    before = scan_result(tmp_path)
    assert (
        before["status"] == "changed"
    )  # the site serves .person-card, the old recipe wants .old-card
    assert before["recipe"].startswith("installed older (")
    assert before["recipe"].endswith(", definition 0.1.0")

    newer = runner.invoke(app, ["brokers", "update", str(set_folder(tmp_path, "newer"))])
    assert newer.exit_code == 0, newer.output
    lines = newer.stdout.splitlines()
    assert "install   localpeople-example (definition 0.2.0)" in lines
    assert '  parse.cards: [".old-card"] -> [".person-card"]' in lines
    # The broken definitions, each on a line of its own as file:key: message.
    assert any(
        line.startswith("brokenpeople.example.json:parse.cards: invalid CSS") for line in lines
    )
    assert any(line.startswith("privatepeople.example.json:search.url: ") for line in lines)
    # The proved recipe is kept and the conflict shown.
    assert "kept      spokeo (definition 9.0.0)" in lines
    assert "  kept: proved on a real page (verified = true); the set would change" in lines
    assert "2 install, 2 refused, 1 kept" in newer.stderr

    after = scan_result(tmp_path)
    assert after["status"] == "found"
    assert after["recipe"].startswith("installed newer (") and after["recipe"].endswith("0.2.0")
    assert "follows the installed set newer" in after["detail"]
    listed = json.loads(runner.invoke(app, ["brokers", "list", "--json"]).stdout)
    recipes = {row["id"]: row["recipe"] for row in listed}
    assert recipes["spokeo"]["from"] == "shipped"
    assert (
        recipes["clustrmaps"]["from"] == "installed" and recipes["clustrmaps"]["version"] == "9.0.0"
    )


def test_dry_run_installs_nothing_and_json_lists_every_change(
    site: type[Site], tmp_path: Path
) -> None:
    folder = set_folder(tmp_path, "newer")
    result = runner.invoke(app, ["brokers", "update", str(folder), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    actions = {c["id"]: c["action"] for c in out["changes"]}
    assert actions["localpeople-example"] == "install" and actions["spokeo"] == "kept"
    assert out["installed_in"] is None
    assert not installed_dir().exists()
    assert list(installed_dir().parent.glob(".brokers-*")) == []  # the staging folder is gone


@pytest.mark.parametrize("path", ["/listing.json", "/set.zip"])
def test_the_url_form(site: type[Site], path: str) -> None:
    url = site.base + path
    result = runner.invoke(app, ["brokers", "update", url, "--ref", "2026-made-up"])
    assert result.exit_code == 0, result.output
    manifest = read_manifest()
    assert manifest is not None
    assert manifest.source == url and manifest.ref == "2026-made-up" and manifest.commit is None
    assert set(manifest.recipes) == {"localpeople-example", "clustrmaps"}


def test_doctor_compares_the_installed_set_and_reset_removes_it(
    site: type[Site], tmp_path: Path
) -> None:
    nothing = runner.invoke(app, ["brokers", "doctor", "--installed"])
    assert nothing.exit_code == 0 and "No broker set is installed" in nothing.stderr
    runner.invoke(app, ["brokers", "update", str(set_folder(tmp_path, "newer"))])
    compared = runner.invoke(app, ["brokers", "doctor", "--installed", "--json"])
    rows = {r["id"]: r for r in json.loads(compared.stdout)}
    assert rows["clustrmaps"]["state"] == "newer than shipped"
    assert rows["clustrmaps"]["installed"] == "9.0.0" and rows["clustrmaps"]["shipped"] == "0.5.0"
    assert rows["localpeople-example"]["state"] == "not shipped"
    canary = runner.invoke(app, ["brokers", "doctor", "intelius"], env={"COLUMNS": "200"})
    assert canary.exit_code == 0, canary.output  # a manual site: no search sent
    assert "Installed set newer (" in canary.stdout
    line = next(row for row in canary.stdout.splitlines() if row.startswith("clustrmaps "))
    assert line.split() == ["clustrmaps", "9.0.0", "0.5.0", "newer", "than", "shipped"]
    reset = runner.invoke(app, ["brokers", "update", "--reset"])
    assert reset.exit_code == 0 and "Installed broker set removed" in reset.stderr
    assert not installed_dir().exists()


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["brokers", "update", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and len(missing.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    none = runner.invoke(app, ["brokers", "update", str(empty)])
    assert none.exit_code == 2
    assert none.stderr.strip() == f"lowprofile: {empty}: no *.json definition files"
    both = runner.invoke(app, ["brokers", "update", "--reset", str(empty)])
    assert both.exit_code == 2 and "--reset takes no source" in both.stderr


def test_a_fetch_that_fails_exits_3(site: type[Site]) -> None:
    result = runner.invoke(app, ["brokers", "update", site.base + "/no-such-listing"])
    assert result.exit_code == 3
    assert "HTTP 404" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_local_zip(site: type[Site], tmp_path: Path) -> None:
    archive = tmp_path / "set.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name, data in site.files.items():
            out.writestr(name, data)
    result = runner.invoke(app, ["brokers", "update", str(archive)])
    assert result.exit_code == 0, result.output
    manifest = read_manifest()
    assert manifest is not None and manifest.source == str(archive.resolve())
    assert set(manifest.recipes) == {"localpeople-example", "clustrmaps"}
    text = tmp_path / "notes.txt"
    text.write_text("not a zip")
    bad = runner.invoke(app, ["brokers", "update", str(text)])
    assert bad.exit_code == 2 and "not a zip" in bad.stderr
