"""A real `lowprofile scan` (every shipped broker, XposedOrNot, a photo folder) against recorded
answers, written as HTML and opened in headless Chromium: the report a user would get.

The broker pages are the fixture pages of tests/fixtures/brokers (made-up people), the breach
answers XposedOrNot's documented ones, the photos made here with GPS at the profile's home. In the
hostile run, the one listing found is a page full of script tags, javascript: links and rich
markup; the broker reader keeps only text, and that text reaches the page as text.
"""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest
import respx
from lxml import html as lxml_html
from PIL import Image
from typer.testing import CliRunner

from helpers.browser import assert_inert, run_chromium
from lowprofile.cli.main import app

TESTS = Path(__file__).resolve().parents[1]
BROKER_PAGES = TESTS / "fixtures" / "brokers"
BREACH_ANSWERS = TESTS / "fixtures" / "breaches"
XON = "https://api.xposedornot.com"
EMAIL = "jane.doe@example.com"
HOME = (30.2672, -97.7431)
PROFILE = f"""
schema_version = 1
birth_year = 1984
emails = ["{EMAIL}"]
phones = []
usernames = []
names = [{{ first = "Jane", middle = "Q", last = "Doe" }}]
addresses = [{{ city = "Austin", state = "TX", lat = {HOME[0]}, lon = {HOME[1]} }}]
"""


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = (value - degrees) * 60
    return (float(degrees), float(int(minutes)), round((minutes - int(minutes)) * 60, 4))


def located_photo(path: Path, lat: float, lon: float) -> None:
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(abs(lat))
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(abs(lon))
    exif.get_ifd(0x8769)[0x9003] = "2026:05:01 12:00:00"
    Image.new("RGB", (32, 24), (120, 160, 200)).save(path, "JPEG", exif=exif)


def answer_as_the_web(router: respx.MockRouter, listing_page: str) -> None:
    def broker(request: httpx.Request) -> httpx.Response:
        host = request.url.host.removeprefix("www.")
        if host == "fastpeoplesearch.com":
            return httpx.Response(200, text=(BROKER_PAGES / listing_page).read_text("utf-8"))
        if host == "truepeoplesearch.com":
            text = (BROKER_PAGES / "cloudflare_challenge.html").read_text("utf-8")
            return httpx.Response(403, text=text)
        if host == "spokeo.com":
            return httpx.Response(404, text="not here")
        return httpx.Response(200, text=(BROKER_PAGES / "unrelated_page.html").read_text("utf-8"))

    router.get(f"{XON}/v1/check-email/{EMAIL}").respond(
        200, text=(BREACH_ANSWERS / "xon_check_email_found.json").read_text("utf-8")
    )
    router.get(f"{XON}/v1/breach-analytics").respond(
        200, text=(BREACH_ANSWERS / "xon_breach_analytics_found.json").read_text("utf-8")
    )
    router.route(host__regex=r"^(?!127\.0\.0\.1|localhost|api\.xposedornot\.com).*").mock(
        side_effect=broker
    )


def run_scan(tmp_path: Path, router: respx.MockRouter, listing_page: str) -> tuple[Path, dict]:
    photos = tmp_path / "Pictures"
    photos.mkdir()
    for i in range(4):  # four photos at home: a cluster that gives the address away
        located_photo(photos / f"IMG_{i}.jpg", HOME[0] + i * 0.00001, HOME[1])
    located_photo(photos / "beach.jpg", 27.8006, -97.3964)
    profile = tmp_path / "profile.toml"
    profile.write_text(PROFILE + f'photo_dirs = ["{photos}"]\n', encoding="utf-8")
    answer_as_the_web(router, listing_page)
    html_out, json_out = tmp_path / "report.html", tmp_path / "report.json"
    args = ["scan", "--profile", str(profile), "--quiet"]  # saved: evidence is kept
    args += ["--only", "brokers", "--only", "xposedornot", "--only", "photos"]
    args += ["--html", str(html_out), "--json", str(json_out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output  # exposures found
    assert stat.S_IMODE(html_out.stat().st_mode) == 0o600
    return html_out, json.loads(json_out.read_text("utf-8"))


@pytest.mark.browser
def test_a_real_scan_report_in_chromium(tmp_path: Path, no_network: respx.MockRouter) -> None:
    html_out, data = run_scan(tmp_path, no_network, "fastpeoplesearch_results.html")
    kinds = {f["kind"] for r in data["results"] for f in r["findings"]}
    assert {"broker_listing", "breach", "photo_location"} <= kinds
    risk, plan = data["risk"], data["plan"]
    assert risk["grade"] in ("high", "severe") and risk["caveat"]
    assert "photo_place" in risk["capabilities"] and "address" in risk["capabilities"]
    ids = [a["id"] for a in plan]
    assert "optout:Mississippi Tornado Alley LLC" in ids and "photos" in ids
    assert any(i.startswith("breach:") for i in ids) and ids[-1] == "if-doxed"
    assert "breaches:mfa" in ids and {"hand-checks", "retry-checks"} <= set(ids)

    shot = tmp_path / "scan.png"
    run_chromium(f"--screenshot={shot}", "--window-size=1000,3200", html_out.as_uri())
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        non_white = sum(n for n, c in colours if c != (255, 255, 255))
        assert len(colours) > 100 and non_white > image.width * image.height * 0.05
    dom = run_chromium("--dump-dom", html_out.as_uri())
    text = " ".join(lxml_html.fromstring(dom).text_content().split())
    # Under half the people-search sites answered: each kind's result, no overall grade.
    assert risk["incomplete"] and "no overall grade" in text and risk["reasons"][0] in text
    assert data["coverage"]["kinds"][0]["result"] in text and risk["caveat"] in text
    assert f"{risk['score']}/100" not in text
    assert "Opt out of Mississippi Tornado Alley LLC" in text
    assert "lowprofile photos strip" in text and "Findings" in text
    assert "https://www.fastpeoplesearch.com/jane-doe_id_G1111111111" in dom
    tree = lxml_html.fromstring(dom)
    links = tree.xpath("//a/@href")
    [page] = [h for h in links if h.endswith("/fastpeoplesearch/inert/page-1.html")]
    kept = Path(unquote(urlsplit(page).path))  # the page's inert copy, linked from its finding
    assert kept.is_file() and "jane-doe_id_G1111111111" in kept.read_text("utf-8")
    assert "<script" not in kept.read_text("utf-8").lower()
    assert not [h for h in links if h.endswith("/fastpeoplesearch/page-1.html")]  # never live
    assert "Evidence kept" in text
    keep = TESTS.parent / ".screenshots"
    if keep.is_dir():
        shutil.copyfile(shot, keep / "scan.png")


@pytest.mark.browser
def test_a_hostile_listing_runs_nothing(tmp_path: Path, no_network: respx.MockRouter) -> None:
    html_out, data = run_scan(tmp_path, no_network, "hostile_results.html")
    listed = [f for r in data["results"] for f in r["findings"] if f["kind"] == "broker_listing"]
    assert listed[0]["evidence"]["name"] == "Jane [bold]Q[/bold] Doe"  # page text, as typed
    dom = run_chromium("--virtual-time-budget=3000", "--dump-dom", html_out.as_uri())
    tree = lxml_html.fromstring(dom)
    assert tree.get("data-pwned") is None
    assert tree.xpath("//title")[0].text == "lowprofile exposure report"
    assert_inert(tree)
    assert "Jane [bold]Q[/bold] Doe" in tree.text_content()  # shown as text
