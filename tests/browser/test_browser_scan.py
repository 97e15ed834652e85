"""The issue's proof, against a local site: a script-built result list and a script challenge.

With ``--browser always`` both recipes come back ``found`` with the right listing and keep
evidence; with ``--browser never`` they are ``changed`` and ``blocked``, never ``not_found``; and
without the extra the scan still runs and says once how to get the engine.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import respx
from localsite import LocalSite
from PIL import Image, ImageStat
from typer.testing import CliRunner

from lowprofile.cli.main import app

runner = CliRunner()
SUBJECT = ["--name", "Jane Doe", "--city", "Austin", "--state", "TX", "--birth-year", "1985"]


def scan(*flags: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["scan", *SUBJECT, "--only", "brokers", "--json", "-", *flags])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return result.exit_code, report


def by_source(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["source"]: r for r in report["results"] if r.get("source")}


@pytest.mark.browser
def test_always_finds_both_and_keeps_evidence(
    chromium: None,
    local_recipes: LocalSite,
    no_network: respx.MockRouter,
    private_dirs: dict[str, Path],
    tmp_path: Path,
) -> None:
    _, report = scan("--browser", "always")
    results = by_source(report)
    assert results["jssite"]["status"] == "found", results["jssite"]
    assert results["gatedsite"]["status"] == "found", results["gatedsite"]
    # the right listing: the Austin card, not the namesake in Fresno
    js_links = [f["evidence"].get("url") for f in results["jssite"]["findings"]]
    assert js_links == [f"{local_recipes.base}/person/jane-doe-austin"]
    gated = [f["evidence"].get("url") for f in results["gatedsite"]["findings"]]
    assert gated == [f"{local_recipes.base}/person/jane-doe-challenge"]
    assert local_recipes.hits["/challenge"] == 2  # the challenge, then its reload into results

    evidence = private_dirs["data"] / "evidence"
    scans = [p for p in evidence.iterdir() if p.is_dir()]
    assert [p.name for p in scans] == ["1"]  # named after the history id
    for broker in ("jssite", "gatedsite"):
        folder = scans[0] / broker
        manifest = json.loads((folder / "manifest.json").read_text())
        page = manifest["pages"][0]
        assert page["via"] == "browser"
        assert set(page["files"]) == {"page-1.html", "page-1.png"}
        for name, digest in page["files"].items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
            assert (folder / name).stat().st_mode & 0o777 == 0o600
        assert "Jane Doe" in (folder / "page-1.html").read_text()
        with Image.open(folder / "page-1.png") as png:
            low, high = ImageStat.Stat(png.convert("L")).extrema[0]
            assert high - low > 100, "the screenshot is blank"
        assert folder.stat().st_mode & 0o777 == 0o700

    out = tmp_path / "pack.zip"
    exported = runner.invoke(app, ["evidence", "export", "1", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(out) as pack:
        names = set(pack.namelist())
        index = pack.read("index.html").decode()
    for broker in ("jssite", "gatedsite"):
        assert {f"{broker}/manifest.json", f"{broker}/page-1.html", f"{broker}/page-1.png"} <= names
    assert f"{local_recipes.base}/js" in index
    assert out.stat().st_mode & 0o777 == 0o600

    # the challenge passed once stays passed: the site's cookie is in its own profile
    profile = private_dirs["data"] / "browser" / "127.0.0.1.json"
    assert "passed" in profile.read_text()
    assert profile.stat().st_mode & 0o777 == 0o600
    reset = runner.invoke(app, ["browser", "reset", "127.0.0.1"])
    assert reset.exit_code == 0 and not profile.exists()


@pytest.mark.browser
def test_auto_uses_the_browser_where_the_recipe_asks(
    chromium: None, local_recipes: LocalSite, no_network: respx.MockRouter
) -> None:
    _, report = scan("--browser", "auto")
    statuses = {source: r["status"] for source, r in by_source(report).items()}
    assert statuses == {"jssite": "found", "gatedsite": "found"}


def test_never_is_changed_and_blocked_not_not_found(
    local_recipes: LocalSite, no_network: respx.MockRouter, private_dirs: dict[str, Path]
) -> None:
    _, report = scan("--browser", "never")
    results = by_source(report)
    assert results["jssite"]["status"] == "changed"
    assert results["gatedsite"]["status"] == "blocked"
    assert results["gatedsite"]["url"].startswith(f"{local_recipes.base}/challenge")
    assert not any(r["status"] == "not_found" for r in report["results"])
    assert not (private_dirs["data"] / "browser").exists()  # no browser was opened


def test_without_the_extra_the_scan_runs_and_says_once_how_to_get_it(
    local_recipes: LocalSite, no_network: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lowprofile.browser.locate.playwright_installed", lambda: False)
    result = runner.invoke(
        app, ["scan", *SUBJECT, "--only", "brokers", "--json", "-", "--browser", "auto"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    statuses = {source: r["status"] for source, r in by_source(report).items()}
    assert statuses == {"jssite": "changed", "gatedsite": "blocked"}
    hints = [r for r in report["results"] if "lowprofile[browser]" in (r.get("detail") or "")]
    assert len(hints) == 1 and hints[0]["status"] == "skipped"
