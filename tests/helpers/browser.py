"""A real headless Chromium for the report tests: run it on a page, and check what it rendered
holds nothing a hostile report put there (.ci/run installs Debian's chromium)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from typing import Any

import pytest

from lowprofile.browser.evidence import evidence_root
from lowprofile.report.html import link_target

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
TEMPLATE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "p",
    "section", "div", "span", "strong", "ul", "ol", "li", "input", "label", "code", "a", "table",
    "thead", "tbody", "tr", "th", "td", "br", "footer", "svg", "path", "circle", "line", "text",
    "g", "rect", "polyline", "details", "summary", "img",
}  # fmt: skip
"""Every element the template itself writes; a payload that became markup adds another."""


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


def assert_inert(tree: Any) -> None:
    tags = {el.tag for el in tree.iter() if isinstance(el.tag, str)}
    assert tags <= TEMPLATE_TAGS, tags - TEMPLATE_TAGS
    for element in tree.iter():
        for attribute in getattr(element, "attrib", {}):
            assert not attribute.lower().startswith("on"), (element.tag, attribute)
            assert attribute not in ("autofocus", "srcdoc", "data-pwned"), element.tag
    assert tree.xpath("//*[@id='pwned']") == []
    for href in tree.xpath("//a/@href"):
        if href.startswith("file:///"):  # the scan's own evidence, kept in the data folder
            assert evidence_root().as_uri() in href, href
            continue
        assert link_target(href) == href and href.startswith(("https://", "http://"))
    for src in tree.xpath("//img/@src"):  # only the evidence thumbnails, drawn by us
        assert src.startswith("data:image/jpeg;base64,"), src[:60]
    assert len(tree.xpath("//meta[@http-equiv]")) <= 1  # only our CSP (or none, stripped)
