"""The browser engine's parts that need no browser: recipe keys, mode choice, profiles,
evidence hashes and the export's refusals, finding the executable."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path

import pytest
from localsite import FIXTURES

from lowprofile.brokers.schema import Broker, check_broker_file
from lowprofile.brokers.search import Fetchers, waited_for
from lowprofile.browser.engine import BrowserEngine, playwright_selector
from lowprofile.browser.evidence import EvidenceKeeper, verify_folder
from lowprofile.browser.locate import BROWSER_ENV, INSTALL_HINT, availability
from lowprofile.browser.pack import export_pack
from lowprofile.browser.profiles import load_profile, reset_profiles, save_profile, site_key
from lowprofile.config import Settings
from lowprofile.errors import LowprofileError

BROWSER = 'fetch = "browser"\n'


def recipe(tmp_path: Path, url: str, lines: str = BROWSER, broker_id: str = "local") -> Path:
    """The local recipe with its ``fetch = "browser"`` line replaced by ``lines``."""
    text = (FIXTURES / "recipe.toml.in").read_text("utf-8")
    text = text.format(id=broker_id, base=url, path="js").replace(BROWSER, lines)
    path = tmp_path / f"{broker_id}.toml"
    path.write_text(text, "utf-8")
    return path


def loaded(path: Path) -> Broker:
    broker, problems = check_broker_file(path)
    assert broker is not None, problems
    return broker


def test_a_loopback_recipe_loads_only_when_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = recipe(tmp_path, "http://127.0.0.1:8000")
    broker, problems = check_broker_file(path)
    assert broker is None
    assert len(problems) == 1 and problems[0].startswith(f"{path}:search.url: 127.0.0.1 is a")
    assert "LOWPROFILE_ALLOW_LOOPBACK=1" in problems[0]
    monkeypatch.setenv("LOWPROFILE_ALLOW_LOOPBACK", "1")
    broker = loaded(path)
    assert (broker.search.fetch, broker.search.wait_for) == ("browser", "")
    other = recipe(tmp_path, "http://192.168.1.5", broker_id="lan")
    assert any("https://" in p for p in check_broker_file(other)[1])  # loopback only


def test_browser_keys_are_checked(tmp_path: Path) -> None:
    post = recipe(tmp_path, "https://example.com", BROWSER + 'method = "POST"\n', "post")
    assert check_broker_file(post)[1] == [
        f"{post}:search.fetch: the browser fetches GET searches only"
    ]
    odd = recipe(tmp_path, "https://example.com", 'fetch = "carrier pigeon"\n', "odd")
    assert check_broker_file(odd)[0] is None
    lone = recipe(tmp_path, "https://example.com", 'wait_for = ".x"\n', "lone")
    assert check_broker_file(lone)[1] == [
        f'{lone}:search.wait_for: only means something with fetch = "browser"'
    ]


def test_what_the_browser_waits_for(tmp_path: Path) -> None:
    broker = loaded(recipe(tmp_path, "https://example.com"))
    assert waited_for(broker) == [".card", "#no-results"]
    chosen = loaded(recipe(tmp_path, "https://example.com", BROWSER + 'wait_for = "#list li"\n'))
    assert waited_for(chosen) == ["#list li"]
    assert playwright_selector(".//div[@class='c']") == "xpath=.//div[@class='c']"
    assert playwright_selector("div.card") == "div.card"


def test_the_mode_chooses_the_fetch(tmp_path: Path) -> None:
    asks = loaded(recipe(tmp_path, "https://example.com"))
    plain = loaded(
        recipe(tmp_path, "https://example.com", 'fetch = "http"\n'.replace("", ""), "plain")
    )
    plain = Broker(
        **{
            **plain.__dict__,
            "search": plain.search.__class__(mode="auto", url="https://example.com/"),
        }
    )
    engine = BrowserEngine(Settings())
    http = object()
    auto = Fetchers(http, engine, "auto")  # type: ignore[arg-type]
    assert auto.wants_browser(asks) and not auto.wants_browser(plain)
    assert auto.may_retry_in_browser(plain)
    always = Fetchers(http, engine, "always")  # type: ignore[arg-type]
    assert always.wants_browser(plain) and not always.may_retry_in_browser(plain)
    never = Fetchers(http, engine, "never")  # type: ignore[arg-type]
    assert not never.wants_browser(asks) and not never.may_retry_in_browser(plain)
    missing = Fetchers(http, None, "always")  # type: ignore[arg-type]
    assert not missing.wants_browser(asks) and not missing.may_retry_in_browser(plain)


def test_profiles_are_private_per_site_and_forgotten(private_dirs: dict[str, Path]) -> None:
    assert site_key("../../etc/passwd") == "etc_passwd"
    save_profile("www.spokeo.com", {"cookies": [{"name": "a"}], "origins": []})
    save_profile("127.0.0.1", {"cookies": [], "origins": []})
    folder = private_dirs["data"] / "browser"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "www.spokeo.com.json").stat().st_mode & 0o777 == 0o600
    assert load_profile("www.spokeo.com") == {"cookies": [{"name": "a"}], "origins": []}
    (folder / "broken.json").write_text("{not json")
    assert load_profile("broken") is None  # start afresh rather than fail the scan
    assert reset_profiles("www.spokeo.com") == ["www.spokeo.com"]
    assert load_profile("www.spokeo.com") is None
    assert sorted(reset_profiles()) == ["127.0.0.1", "broken"]
    assert reset_profiles() == []


def keep(folder: Path, engine: BrowserEngine | None = None) -> Path:
    keeper = EvidenceKeeper(folder, engine, "the browser engine is not available")
    return asyncio.run(keeper.keep("somesite", "https://x.example/p", "<p>Jane Doe</p>", "http"))


def test_evidence_without_a_browser_keeps_the_page_and_says_why(
    private_dirs: dict[str, Path],
) -> None:
    scan = private_dirs["data"] / "evidence" / "7"
    folder = keep(scan)
    manifest = json.loads((folder / "manifest.json").read_text())
    page = manifest["pages"][0]
    assert manifest["tool"].startswith("lowprofile ")
    assert list(page["files"]) == ["page-1.html"]
    assert page["screenshot_missing"] == "the browser engine is not available"
    assert page["fetched_at"].endswith("+00:00")
    keep(scan)  # a second page of one broker is added, not written over
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [list(p["files"]) for p in manifest["pages"]] == [["page-1.html"], ["page-2.html"]]
    assert verify_folder(folder) == []


def test_a_changed_file_is_refused_by_the_export(
    private_dirs: dict[str, Path], tmp_path: Path
) -> None:
    folder = keep(private_dirs["data"] / "evidence" / "3")
    out = tmp_path / "pack.zip"
    assert export_pack("3", out) == (out, 2, 1)
    with zipfile.ZipFile(out) as pack:
        assert sorted(pack.namelist()) == [
            "index.html",
            "somesite/inert/page-1.html",
            "somesite/manifest.json",
            "somesite/page-1.html",
        ]
    (folder / "page-1.html").write_text("<p>someone else</p>")
    assert verify_folder(folder) == [f"{folder / 'page-1.html'}: SHA-256 differs from the manifest"]
    before = out.read_bytes()
    with pytest.raises(LowprofileError, match="SHA-256 differs"):
        export_pack("3", out)
    assert out.read_bytes() == before  # the earlier pack is left as it was
    with pytest.raises(LowprofileError, match="no evidence for 4"):
        export_pack("4", tmp_path / "none.zip")


def test_finding_the_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BROWSER_ENV, str(tmp_path / "nothing-here"))
    found = availability()
    assert not found.ready and "nothing-here: no such file" in found.reason
    fake = tmp_path / "chrome"
    fake.write_text("")
    monkeypatch.setenv(BROWSER_ENV, str(fake))
    assert availability().executable == fake
    monkeypatch.setattr("lowprofile.browser.locate.playwright_installed", lambda: False)
    assert availability().reason == INSTALL_HINT


def test_a_browser_that_cannot_start_is_tried_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A broken executable fails every page of the scan with one reason, launched once."""
    pytest.importorskip("playwright", reason="the browser extra is not installed")
    broken = tmp_path / "chrome"
    launches = tmp_path / "launches"
    broken.write_text(f"#!/bin/sh\necho launched >> {launches}\nexit 1\n")
    broken.chmod(0o700)
    monkeypatch.setenv(BROWSER_ENV, str(broken))
    engine = BrowserEngine(Settings(connect_timeout=2))

    async def twice() -> list[str]:
        reasons = []
        async with engine:
            for _ in range(2):
                with pytest.raises(LowprofileError) as caught:
                    await engine.fetch("http://127.0.0.1:9/", [".card"])
                reasons.append(str(caught.value))
        return reasons

    first, second = asyncio.run(twice())
    assert first.startswith("the browser could not start") and second == first
    assert launches.read_text().splitlines() == ["launched"]


def test_the_report_links_only_evidence_that_matches_its_manifest(
    private_dirs: dict[str, Path],
) -> None:
    import base64
    import io

    from PIL import Image

    from lowprofile.browser.evidence import evidence_index

    scan = private_dirs["data"] / "evidence" / "9"
    picture = io.BytesIO()
    Image.new("RGB", (1200, 3000), (200, 30, 30)).save(picture, "PNG")
    keeper = EvidenceKeeper(scan)
    shown = asyncio.run(
        keeper.keep("spokeo", "https://s.example/p", "<p>Jane</p>", "browser", picture.getvalue())
    )
    bare = keep(scan)  # no screenshot: links to the page and folder, no picture
    index = evidence_index(scan)
    assert index["spokeo"]["screenshot"] == (shown / "page-1.png").as_uri()
    assert index["spokeo"]["page"] == (shown / "inert" / "page-1.html").as_uri()
    thumb = index["spokeo"]["thumbnail"]
    assert thumb.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(thumb.split(",", 1)[1]))) as small:
        assert small.size == (360, 360)  # the top of the page, shrunk
    assert set(index["somesite"]) == {"folder", "page"}
    (bare / "page-1.html").write_text("<p>someone else</p>")
    assert set(evidence_index(scan)) == {"spokeo"}  # a changed page is not offered as proof
