"""The evidence HTML is kept inert (issue 23, defect 7): the report and the pack's index link to
a copy of the broker's page with its scripts removed, nothing that fetches, and a policy that
forbids every request; the page as received stays in the pack beside its hash.

The proof against a real Chromium counts connections at a listener of the test's own on
127.0.0.1, which every route of the hostile page points at: the raw page reaches it (so the
count can fail), the inert copy never does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html

from helpers.browser import run_chromium
from lowprofile.browser.evidence import EvidenceKeeper, evidence_index, evidence_root
from lowprofile.browser.inert import INERT_POLICY, inert_html
from lowprofile.browser.pack import export_pack

HOSTILE = """<!doctype html><html manifest="{o}/manifest"><head>
<base href="{o}/base/">
<meta http-equiv="refresh" content="0;url={o}/refresh">
<link rel="stylesheet" href="{o}/sheet.css"><link rel="preload" as="image" href="{o}/preload">
<link rel="prefetch" href="{o}/prefetch"><link rel="icon" href="{o}/icon">
<style>@import "{o}/import.css"; body {{ background: url({o}/bg.png) }}
@font-face {{ font-family: f; src: url({o}/font.woff) }} h1 {{ font-family: f }}</style>
<script src="{o}/script.js"></script>
<script>fetch("{o}/fetch"); new WebSocket("{ws}/socket"); new Image().src = "{o}/js-img";</script>
</head><body background="{o}/body-bg" onload="fetch('{o}/onload')">
<h1>Search results</h1>
<div class="card" style="background-image: url('{o}/inline-bg')"><h2 class="name">Jane Doe</h2>
<span class="place">Austin, TX</span><a class="profile" href="{t}/profile" ping="{o}/ping">View</a>
</div>
<img src="{m}/latest/meta-data/"><img src="{t}/pixel.gif"><img srcset="{o}/srcset 1x">
<img src="relative-to-base.png"><image src="{o}/image-alias">
<picture><source srcset="{o}/source"><img alt="p"></picture>
<iframe src="{p}/"></iframe><iframe srcdoc="<img src='{o}/srcdoc'>"></iframe>
<object data="{o}/object"></object><embed src="{o}/embed">
<video poster="{o}/poster" src="{o}/video"></video><audio src="{o}/audio" autoplay></audio>
<svg><image href="{o}/svg-image"/><use href="{o}/svg-use#x"/></svg>
<form id="f" action="{o}/form" method="post"><input name="q" value="v">
<input type="image" src="{o}/input-image"></form>
<script>document.getElementById("f").submit()</script>
<!-- --!><img src="{o}/comment"> -->
<noscript><p title="</noscript><img src='{o}/noscript'>"></p></noscript>
<table background="{o}/table-bg"><tr><td>Age 41</td></tr></table>
</body></html>"""
"""Every way a page can make the browser fetch, run or leave: ``{o}`` an origin of the test's,
``{m}`` the metadata address, ``{p}`` a private address, ``{t}`` a tracker."""


def hostile(origin: str, metadata: str, private: str, tracker: str) -> str:
    ws = origin.replace("http://", "ws://", 1)
    return HOSTILE.format(o=origin, m=metadata, p=private, t=tracker, ws=ws)


def test_the_inert_copy_holds_nothing_that_runs_or_fetches() -> None:
    page = hostile(
        "http://evil.example", "http://169.254.169.254", "http://10.255.255.1", "https://t.example"
    )
    copy = inert_html(page.encode(), "page-1.html")
    tree = lxml_html.document_fromstring(copy)
    for gone in ("169.254.169.254", "10.255.255.1", "<script", "<iframe", "websocket"):
        assert gone not in copy.lower(), gone
    assert "t.example/pixel" not in copy and "refresh" not in copy.lower()
    tags = {el.tag for el in tree.iter() if isinstance(el.tag, str)}
    assert not tags & {"script", "iframe", "object", "embed", "base", "link", "video", "form"}
    for element in tree.iter():
        for name, value in element.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert name not in ("src", "href", "srcset", "action", "background", "poster")
            assert "url(" not in value.lower(), (element.tag, name, value)
    assert "url(" not in "".join(tree.xpath("//style/text()")).lower()
    metas = tree.xpath("//meta[@http-equiv]")
    assert [(m.get("http-equiv"), m.get("content")) for m in metas] == [
        ("Content-Security-Policy", INERT_POLICY)
    ]
    assert "default-src 'none'" in INERT_POLICY and "img-src data:" in INERT_POLICY
    text = " ".join(tree.text_content().split())
    assert "Jane Doe" in text and "Austin, TX" in text and "Age 41" in text  # still evidence
    assert "[link: https://t.example/profile]" in tree.xpath("//a/@title")[0]


def test_a_picture_inside_the_page_is_kept_and_css_escapes_are_dropped() -> None:
    dot = "data:image/png;base64,iVBORw0KGgo="
    page = (
        f'<img src="{dot}"><img src="data:image/svg+xml,<svg></svg>">'
        '<p style="background:\\75rl(http://evil.example/x)">a</p>'
        '<p style="color:red">b</p><style>p{color:red}/**/</style>'
    )
    tree = lxml_html.document_fromstring(inert_html(page, "page-1.html"))
    assert tree.xpath("//img/@src") == [dot]
    note, *paragraphs = tree.xpath("//p")
    assert "Inert copy made by lowprofile" in note.text_content()
    assert [p.get("style") for p in paragraphs] == [None, "color:red"]
    assert tree.xpath("//style/text()") == []


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A server on a loopback port that logs the first bytes of every connection to it."""
    seen: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(200))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    seen.append(b"")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join()
        server.close()


def kept_hostile(origin: str) -> Path:
    """The hostile page kept as a scan keeps a listing's page, every route at ``origin``."""
    page = hostile(origin, origin, origin, origin)
    keeper = EvidenceKeeper(evidence_root() / "4")
    return asyncio.run(keeper.keep("badsite", f"{origin}/search", page, "http"))


@pytest.mark.browser
def test_opening_the_linked_copy_connects_nowhere(
    listener: tuple[str, list[bytes]], tmp_path: Path
) -> None:
    origin, seen = listener
    folder = kept_hostile(origin)
    run_chromium("--virtual-time-budget=3000", "--dump-dom", (folder / "page-1.html").as_uri())
    assert len(seen) > 3, "the raw page should reach the listener: the count proves nothing"
    seen.clear()
    linked = evidence_index(folder.parent)["badsite"]["page"]
    assert linked == (folder / "inert" / "page-1.html").as_uri()
    dom = run_chromium("--virtual-time-budget=3000", "--dump-dom", linked)
    assert "Jane Doe" in dom
    out = tmp_path / "pack"
    with zipfile.ZipFile(export_pack("4", tmp_path / "pack.zip").path) as pack:
        pack.extractall(out)
    index = (out / "index.html").as_uri()
    run_chromium("--virtual-time-budget=3000", "--dump-dom", index)
    from_index = lxml_html.fromstring((out / "index.html").read_text("utf-8"))
    [page_link] = [h for h in from_index.xpath("//a/@href") if h.endswith(".html")]
    assert page_link == "badsite/inert/page-1.html"
    run_chromium("--virtual-time-budget=3000", "--dump-dom", (out / page_link).as_uri())
    assert seen == []


def test_the_pack_keeps_the_raw_bytes_with_their_hash(tmp_path: Path) -> None:
    folder = kept_hostile("http://evil.example")
    with zipfile.ZipFile(export_pack("4", tmp_path / "pack.zip").path) as pack:
        raw = pack.read("badsite/page-1.html")
        manifest = json.loads(pack.read("badsite/manifest.json"))
        index = pack.read("index.html").decode()
        inert = pack.read("badsite/inert/page-1.html").decode()
    assert raw == (folder / "page-1.html").read_bytes() and b"<script" in raw
    assert hashlib.sha256(raw).hexdigest() == manifest["pages"][0]["files"]["page-1.html"]
    tree = lxml_html.fromstring(index)
    assert tree.xpath("//a/@href") == ["badsite/inert/page-1.html"]  # never the raw page
    assert "Content-Security-Policy" in index
    assert "<script" not in inert and "evil.example/fetch" not in inert
