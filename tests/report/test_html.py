"""The HTML report: self-contained, schema-valid input, hostile text inert, checked in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import html as lxml_html
from sample import sample_report

from lowprofile.report.html import render_html, safe_link
from lowprofile.results import CheckResult, Remedy
from lowprofile.scan import ScanReport

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "report-schema.json").read_text()
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

PAYLOADS = [
    "<script>document.documentElement.setAttribute('data-pwned','script')</script>",
    "\"><img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">",
    "'><svg onload=document.documentElement.setAttribute('data-pwned','svg')>",
    "javascript:document.documentElement.setAttribute('data-pwned','link')",
    "</style><script>document.documentElement.setAttribute('data-pwned','style')</script>",
    "</title><script>document.documentElement.setAttribute('data-pwned','title')</script>",
    "{{7*7}}{% raw %}[bold]x[/]",
    '<a href="javascript:alert(1)">click</a>',
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("chromium not installed: .ci/run installs Debian's chromium for this test")
    return path


def run_chromium(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    return out.stdout


def poison(value: Any, payload: str) -> Any:
    """Replace every string in a JSON structure (keys kept) with the payload."""
    if isinstance(value, str):
        return payload
    if isinstance(value, list):
        return [poison(v, payload) for v in value]
    if isinstance(value, dict):
        return {k: poison(v, payload) for k, v in value.items()}
    return value


def hostile_report(payload: str) -> ScanReport:
    report = sample_report()
    results = []
    for result in report.results:
        findings = tuple(
            replace(
                f,
                title=payload,
                where=payload,
                reasons=(payload,),
                evidence=poison(f.evidence, payload),
                remedy=Remedy(
                    action="optout",
                    summary=payload,
                    url=payload,
                    method=payload,
                    requires=(payload,),
                    command=payload,
                    group=payload,
                ),
            )
            for f in result.findings
        )
        results.append(
            CheckResult(
                result.checker,
                payload,
                result.status,
                findings=findings,
                detail=payload,
                url=payload,
                source=payload,
                verified=False,
            )
        )
    hostile = ScanReport(
        subject=poison(report.subject, payload),
        started=report.started,
        finished=report.finished,
        checkers=report.checkers,
        results=results,
    )
    from lowprofile.plan import assess_report

    assess_report(hostile)
    hostile.extra["risk"]["reasons"] = [payload]
    hostile.extra["plan"] = poison(hostile.extra["plan"], payload)
    return hostile


def test_sample_report_json_matches_schema() -> None:
    data = json.loads(json.dumps(sample_report().to_dict()))
    jsonschema.validate(data, SCHEMA)


def test_schema_rejects_a_bad_report() -> None:
    data = json.loads(json.dumps(sample_report().to_dict()))
    data["results"][0]["status"] = "probably_fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_page_is_self_contained() -> None:
    page = render_html(sample_report())
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//script") == []
    assert tree.xpath("//link[@rel='stylesheet']") == []
    assert tree.xpath("//img") == []
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    hrefs = tree.xpath("//a/@href")
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    assert len(tree.xpath("//input[@type='checkbox']")) == len(sample_report().extra["plan"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_text(payload: str) -> None:
    tree = lxml_html.fromstring(render_html(hostile_report(payload)))
    assert tree.xpath("//script") == []
    assert tree.xpath("//svg") == [] and tree.xpath("//img") == []
    for element in tree.iter():
        for attribute in element.attrib:
            assert not attribute.lower().startswith("on"), (element.tag, attribute)
    assert all(h.startswith(("https://", "http://")) for h in tree.xpath("//a/@href"))
    assert payload in tree.text_content() or payload.replace("\n", " ") in tree.text_content()


def test_safe_link_schemes() -> None:
    assert "<a " not in safe_link("javascript:alert(1)")
    assert "<a " not in safe_link("data:text/html,<script>x</script>")
    assert "<a " not in safe_link(" JAVASCRIPT:alert(1)")
    assert 'href="https://example.com/?q=&#34;&gt;"' in safe_link('https://example.com/?q=">')


def test_chromium_runs_no_payload(tmp_path: Path) -> None:
    combined = "".join(PAYLOADS)
    page = tmp_path / "hostile.html"
    page.write_text(render_html(hostile_report(combined)))
    # Run once more without the CSP, so that only the escaping stands between payload and page.
    no_csp = tmp_path / "hostile_no_csp.html"
    no_csp.write_text(
        re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text())
    )
    for candidate in (page, no_csp):
        dom = run_chromium("--virtual-time-budget=2000", "--dump-dom", candidate.as_uri())
        assert "<main>" in dom, "chromium did not render the page"
        assert not re.search(r"<html[^>]*data-pwned", dom), "a payload ran"
        assert "<script" not in dom.lower()


def test_screenshot_shows_score_findings_and_plan(tmp_path: Path) -> None:
    from PIL import Image

    page = tmp_path / "report.html"
    page.write_text(render_html(sample_report()))
    shot = tmp_path / "report.png"
    run_chromium(f"--screenshot={shot}", "--window-size=1000,1800", page.as_uri())
    assert shot.exists(), "chromium wrote no screenshot"
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        non_white = sum(n for n, c in colours if c != (255, 255, 255))
        assert len(colours) > 50 and non_white > image.width * image.height * 0.03
    dom = run_chromium("--dump-dom", page.as_uri())
    text = lxml_html.fromstring(dom).text_content()
    score = sample_report().extra["risk"]["score"]
    assert f"{score}/100" in text.replace(" ", "")
    assert "What to do first" in text and "Opt out of Spokeo, Inc." in text
    assert "Findings" in text and "spokeo lists your address" in text
    keep = Path(__file__).resolve().parents[2] / ".screenshots"
    if keep.is_dir():
        shutil.copyfile(shot, keep / "report.png")


def test_finding_links_only_for_web_sources() -> None:
    tree = lxml_html.fromstring(render_html(sample_report()))
    photo_cell = [
        td for td in tree.xpath("//td") if "/home/jane/Pictures/IMG_1.jpg" in td.text_content()
    ]
    assert photo_cell and not photo_cell[0].xpath(".//a")
    assert tree.xpath("//a[@href='https://www.spokeo.example/jane-doe/p1']")
