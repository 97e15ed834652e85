"""The HTML report: self-contained, hostile text inert, checked in a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from helpers.browser import assert_inert, chromium, run_chromium
from helpers.hostile import MARK, PAYLOADS, hostile_dict, hostile_report
from helpers.pictures import HOME, TREND, pictured_report
from helpers.sample import sample_report
from lowprofile.cli.main import app
from lowprofile.report.base import clean_text, evidence_lines
from lowprofile.report.html import render_html, safe_link
from lowprofile.reportfile import report_from_data
from lowprofile.results import ScanReport

REPO = Path(__file__).resolve().parents[2]


def test_page_is_self_contained() -> None:
    report = sample_report()
    page = render_html(report)
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//script") == [] and tree.xpath("//img") == []
    assert tree.xpath("//link") == [] and tree.xpath("//iframe") == []
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "@import" not in page and "url(" not in page
    hrefs = tree.xpath("//a/@href")
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    plan = report.to_dict()["plan"]
    tasks = [a for a in plan if a["kind"] != "emergency"]
    assert len(tree.xpath("//ol[@class='plan']//input[@type='checkbox']")) == len(tasks)
    assert_inert(tree)


def test_every_finding_links_to_its_source() -> None:
    report = sample_report()
    tree = lxml_html.fromstring(render_html(report))
    hrefs = set(tree.xpath("//a/@href"))
    for finding in report.findings:
        if finding.where.startswith("https://"):
            assert finding.where in hrefs, finding.where
    photo_cell = [
        td for td in tree.xpath("//td") if "/home/jane/Pictures/IMG_1.jpg" in td.text_content()
    ]
    assert photo_cell  # a file path is text, never a link (the cell's map link is https)
    assert not [a for a in photo_cell[0].xpath(".//a") if "/home/jane" in a.get("href", "")]
    assert photo_cell[0].xpath(".//code")[0].text == "/home/jane/Pictures/IMG_1.jpg"


def test_evidence_is_text_and_capped() -> None:
    lines = evidence_lines(
        {
            "relatives": [f"R{i}" for i in range(30)],
            "name": "Jane",
            "zz_custom": {"nested": "<b>x</b>", "empty": ""},
            "url": "https://hidden.example/",
            "note": "x" * 1000,
        }
    )
    assert lines[0] == "name: Jane"
    assert lines[1].startswith("relatives: R0; R1") and lines[1].endswith("(+22 more)")
    assert "zz custom: nested <b>x</b>" in lines
    assert not any("hidden.example" in line for line in lines)
    assert all(len(line) < 400 for line in lines)


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.com/a?b=c", True),
        ("http://example.com/", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>x</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/", False),
        ("https:alert(1)", False),
        ("https://exa mple.com/", False),
        ("/home/jane/IMG_1.jpg", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_links(url: str | None, linked: bool) -> None:
    out = str(safe_link(url, "label"))
    assert ("<a " in out) is linked
    if not linked:
        assert out == "label"


def test_link_attribute_is_escaped() -> None:
    out = str(safe_link('https://example.com/?q=">', '<b>"x"</b>'))
    assert 'href="https://example.com/?q=&#34;&gt;"' in out
    assert "&lt;b&gt;&#34;x&#34;&lt;/b&gt;" in out


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payloads_are_inert_text(payload: str) -> None:
    report = hostile_report(payload)
    page = render_html(report)
    tree = lxml_html.fromstring(page)
    assert_inert(tree)
    body = tree.xpath("//body")[0].text_content()
    shown = clean_text(payload)
    assert shown in body or " ".join(shown.split()) in body  # shown as typed, not dropped
    assert "\x00" not in page and "\x1b" not in page and "\u202e" not in page
    assert "49" not in body  # {{7*7}} was not evaluated
    assert tree.xpath("//title")[0].text == "lowprofile exposure report"


def test_hostile_kinds_and_grades_too() -> None:
    """Finding kinds come from checkers (a third party's, too) and reach reasons and plan ids;
    a hostile grade makes the saved risk section malformed, so it is recomputed."""
    payload = "".join(PAYLOADS)
    data = hostile_dict(payload, keep=frozenset({"status", "severity", "started", "finished"}))
    report = report_from_data(data, "hostile")
    tree = lxml_html.fromstring(render_html(report))
    assert_inert(tree)
    assert report.to_dict()["risk"]["grade"] in ("high", "severe")  # recomputed from the results


def test_malformed_sections_are_recomputed() -> None:
    data = sample_report().to_dict()
    data["risk"] = {"score": "<script>x</script>", "grade": '" onload="x', "reasons": "no"}
    data["plan"] = [{"title": "<b>", "links": "javascript:alert(1)"}, 7]
    report = report_from_data(data, "edited")
    assert report.to_dict()["risk"] == sample_report().to_dict()["risk"]
    tree = lxml_html.fromstring(render_html(report))
    assert_inert(tree)


def test_rendering_does_not_change_the_report() -> None:
    report = sample_report()
    before = report.to_dict()
    render_html(report)
    assert report.to_dict() == before


def test_an_unassessed_report_is_not_rendered() -> None:
    data = sample_report().to_dict()
    with pytest.raises(ValueError, match="assessed"):
        render_html(ScanReport.from_dict(data, with_assessment=False))


def test_an_older_report_without_risk_is_scored() -> None:
    data = sample_report().to_dict()
    del data["risk"], data["plan"]
    page = render_html(report_from_data(data, "older"))
    assert f"{sample_report().to_dict()['risk']['score']}<span" in page


def _write_hostile(tmp_path: Path, payload: str, name: str) -> Path:
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(hostile_dict(payload)), encoding="utf-8")
    out = tmp_path / f"{name}.html"
    result = CliRunner().invoke(app, ["report", str(source), "--html", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.browser
def test_chromium_runs_no_payload(tmp_path: Path) -> None:
    """A report whose every string is every payload, through `lowprofile report --html`, then
    opened in headless Chromium with and without the CSP: nothing ran."""
    chromium()
    page = _write_hostile(tmp_path, "".join(PAYLOADS), "hostile")
    no_csp = tmp_path / "hostile_no_csp.html"
    without = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text())
    assert "Content-Security-Policy" not in without
    no_csp.write_text(without)
    for candidate in (page, no_csp):
        dom = run_chromium("--virtual-time-budget=3000", "--dump-dom", candidate.as_uri())
        assert "What to do first" in dom, f"chromium did not render {candidate.name}"
        tree = lxml_html.fromstring(dom)
        assert tree.get("data-pwned") is None, f"payload {tree.get('data-pwned')!r} ran"
        assert tree.xpath("//title")[0].text == "lowprofile exposure report"
        assert_inert(tree)
        assert "<script" not in dom.lower().replace("&lt;script", "")


@pytest.mark.browser
def test_chromium_detects_a_payload_that_runs(tmp_path: Path) -> None:
    """The check above can fail: the same markers in a page that does run them are seen."""
    chromium()
    page = tmp_path / "control.html"
    page.write_text(
        f"<html><head><title>t</title></head><body><main>What to do first</main>"
        f"<script>{MARK.format('control')};document.title='PWNED'</script></body></html>"
    )
    tree = lxml_html.fromstring(run_chromium("--dump-dom", page.as_uri()))
    assert tree.get("data-pwned") == "control"
    assert tree.xpath("//title")[0].text == "PWNED"


@pytest.mark.browser
def test_screenshot_shows_score_findings_and_plan(tmp_path: Path) -> None:
    from PIL import Image

    report = sample_report("CA")
    page = tmp_path / "report.html"
    page.write_text(render_html(report))
    shot = tmp_path / "report.png"
    run_chromium(f"--screenshot={shot}", "--window-size=1000,4200", page.as_uri())
    assert shot.exists(), "chromium wrote no screenshot"
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        non_white = sum(n for n, c in colours if c != (255, 255, 255))
        assert len(colours) > 100 and non_white > rgb.width * rgb.height * 0.05, "blank page"
        # The score is drawn large in the grade's red near the top: find those pixels there.
        top = rgb.crop((0, 0, 400, 260))
        red = sum(n for n, (r, g, b) in top.getcolors(1 << 20) or [] if r > 180 and g < 80)
        assert red > 500, "no score dial in the top left"
    dom = run_chromium("--dump-dom", page.as_uri())
    text = " ".join(lxml_html.fromstring(dom).text_content().split())
    risk = report.to_dict()["risk"]
    assert f"{risk['score']}/100" in text and f"{risk['grade']} risk" in text
    assert risk["reasons"][0] in text
    assert "What to do first" in text and "Opt out of Spokeo, Inc. (2 sites)" in text
    assert (
        "California: one deletion request" in text and "If you believe you are being doxed" in text
    )
    assert "Findings" in text and "spokeo lists your age, address, relatives" in text
    keep = REPO / ".screenshots"
    if keep.is_dir():
        shutil.copyfile(shot, keep / "report.png")


@pytest.mark.browser
def test_phone_width_screenshot_is_not_blank(tmp_path: Path) -> None:
    from PIL import Image

    page = tmp_path / "report.html"
    page.write_text(render_html(sample_report()))
    shot = tmp_path / "phone.png"
    run_chromium(f"--screenshot={shot}", "--window-size=390,2400", page.as_uri())
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        # Nothing wider than the screen: the right edge column is background only.
        edge = rgb.crop((rgb.width - 4, 0, rgb.width, rgb.height)).getcolors(1 << 16) or []
        assert len(edge) <= 3, "content overflows a phone's width"
    keep = REPO / ".screenshots"
    if keep.is_dir():
        shutil.copyfile(shot, keep / "phone.png")


def _colour_pixels(shot: Path, near: tuple[int, int, int]) -> tuple[int, int]:
    """(pixels not white, pixels within 40 of the colour ``near``) of a screenshot."""
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 22) or []
    inked = sum(n for n, c in colours if c != (255, 255, 255))
    close = sum(
        n for n, c in colours if all(abs(a - b) <= 40 for a, b in zip(c, near, strict=True))
    )
    return inked, close


CHART_COLOURS = {
    "gauge": (207, 34, 46),  # the grade's red (the pictured report is high or severe)
    "bars": (207, 34, 46),  # high findings
    "trend": (9, 105, 218),  # the trend line
    "places": (207, 34, 46),  # the photo places
}


@pytest.mark.browser
def test_chromium_draws_the_pictures_under_the_csp(tmp_path: Path) -> None:
    """A report with photo clusters, findings and a three-point trend, opened in Chromium with
    the page's own CSP: every SVG is in the rendered DOM and draws ink in its own colour."""
    report = pictured_report()
    text = render_html(report, trend=TREND, home=HOME)
    csp = lxml_html.fromstring(text).xpath("//meta[@http-equiv]/@content")[0]
    page = tmp_path / "pictures.html"
    page.write_text(text, encoding="utf-8")
    tree = lxml_html.fromstring(
        run_chromium("--virtual-time-budget=2000", "--dump-dom", page.as_uri())
    )
    assert tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [csp]
    assert [s.get("class") for s in tree.xpath("//svg")] == list(CHART_COLOURS)
    assert_inert(tree)

    shot = tmp_path / "pictures.png"
    run_chromium(f"--screenshot={shot}", "--window-size=1000,1500", page.as_uri())
    assert shot.exists(), "chromium wrote no screenshot"
    keep = REPO / ".screenshots"
    if keep.is_dir():
        shutil.copyfile(shot, keep / "pictures.png")
    head, rest = text.split("<main>", 1)
    tail = rest.split("</main>", 1)[1]
    for name, colour in CHART_COLOURS.items():
        start = text.index(f'<svg class="{name}"')
        svg = text[start : text.index("</svg>", start) + len("</svg>")]
        if name == "gauge":  # drawn in the grade's colour, which its dial sets
            svg = f'<div class="dial g-{report.to_dict()["risk"]["grade"]}">{svg}</div>'
        alone = tmp_path / f"{name}.html"
        # The chart alone in the page's own head (same CSP, same styles), 400 px wide.
        alone.write_text(f'{head}<main style="width:400px">{svg}</main>{tail}', encoding="utf-8")
        picture = tmp_path / f"{name}.png"
        run_chromium(f"--screenshot={picture}", "--window-size=420,420", alone.as_uri())
        inked, coloured = _colour_pixels(picture, colour)
        assert inked > 1500 and coloured > 150, f"{name}: {inked} inked, {coloured} coloured"
    blank = tmp_path / "blank.html"
    blank.write_text(f'{head}<main style="width:400px"></main>{tail}', encoding="utf-8")
    run_chromium(f"--screenshot={tmp_path / 'blank.png'}", "--window-size=420,420", blank.as_uri())
    assert _colour_pixels(tmp_path / "blank.png", (207, 34, 46)) == (0, 0)  # the check can fail


def test_hostile_numbers_never_reach_the_pictures() -> None:
    """A saved report whose photo coordinates, cluster counts and dates are payloads: the map
    leaves those places out, the page stays inert, and the payload shows only as text."""
    payload = PAYLOADS[2]
    data = pictured_report().to_dict()
    for result in data["results"]:
        for finding in result["findings"]:
            evidence = finding["evidence"]
            if "lat" in evidence:
                evidence["lat"] = payload
                evidence["taken"] = payload
            if isinstance(evidence.get("cluster"), dict):
                evidence["cluster"].update(lat=payload, photos=payload, first=payload)
    report = report_from_data(data, "edited")
    page = render_html(report, trend=[(payload, payload), (report.started, float("nan"))])  # type: ignore[list-item]
    tree = lxml_html.fromstring(page)
    assert_inert(tree)
    assert [s.get("class") for s in tree.xpath("//svg")] == ["gauge", "bars"]
    assert "Taken " + clean_text(payload) in " ".join(tree.text_content().split())
