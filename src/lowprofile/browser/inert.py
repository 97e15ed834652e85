"""An inert copy of a broker's page: what it showed, with nothing that runs or fetches.

The page kept as evidence is the broker's own HTML, scripts and all. Opened as it is, it runs
those scripts and loads the broker's pictures, trackers and frames, telling the site (or anyone
its markup names, 169.254.169.254 included) when and from where the evidence was read: the
police officer's desk, the person's laptop. So every link to a kept page opens this copy instead.

The copy is rebuilt from an allow-list, not scrubbed by a deny-list: only elements and attributes
that show text and layout survive. Scripts, frames, SVG and MathML go with their content;
objects, media, forms, ``<base>``, ``<meta>`` (refresh included) and ``<link>`` go, their text
kept; every URL-bearing attribute goes, except pictures already inside the page as ``data:``
URIs; CSS keeps no ``url()``, ``@import`` or ``image-set()``. Comments go too, since an HTML5
parser and libxml2 disagree on where some end. Above all that, a Content-Security-Policy in the
first ``<meta>`` forbids every request, so anything the allow-list missed still cannot reach
the network.
"""

from __future__ import annotations

import re
from typing import Any

INERT_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "form-action 'none'; base-uri 'none'"
)
"""No request of any kind: no script, frame, font, fetch or picture except ``data:`` ones."""

KEPT_TAGS = frozenset(
    """html head body title div span p a b i u em strong small big sub sup br hr wbr
    h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody tfoot tr td th caption colgroup col
    section article header footer nav main aside figure figcaption img label button input select
    option optgroup blockquote pre code kbd samp var abbr address time mark center font s strike
    del ins q cite dfn details summary style fieldset legend output meter progress data ruby rt rp
    bdi""".split()
)
"""Elements that only show text or lay it out; the rest are unwrapped or dropped."""

DROPPED_TAGS = frozenset(
    "script template noscript iframe xmp noembed noframes plaintext textarea svg math".split()
)
"""Elements dropped with everything inside them: code, or content a browser does not show as
markup (raw text, foreign markup) that an HTML5 parser reads differently from libxml2. Any
other element not kept (``<object>``, ``<video>``, a site's own ``<x-card>``) is unwrapped: it
goes with its attributes, its text stays, so an unclosed one cannot take the rest of the page
with it."""

KEPT_ATTRIBUTES = frozenset(
    """class id title alt lang dir colspan rowspan width height align valign role type value
    placeholder checked selected disabled readonly start reversed span headers scope abbr
    datetime open color face size border cellpadding cellspacing bgcolor nowrap label
    style""".split()
)
"""Attributes that name, size or label; never one that holds a URL or runs code."""

DATA_PICTURE = re.compile(r"data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
"""Pictures the page carries inside itself: shown, as they cost no request (never SVG)."""

CSS_FETCHES = re.compile(r"url\s*\(|image-set\s*\(|image\s*\(|expression\s*\(|@import", re.I)
"""CSS that fetches (or, in old browsers, runs); made invalid so the rule is ignored."""

INERT_NOTE = (
    "Inert copy made by lowprofile: scripts, links and every outside request removed. The page "
    "as received is {name}, with its SHA-256 in manifest.json."
)


def inert_html(page: bytes | str, raw_name: str) -> str:
    """The inert copy of ``page`` (the broker's HTML, as kept), as a whole document with the
    no-request policy first and a note naming the kept original ``raw_name``."""
    from lxml import etree, html

    data = page.encode("utf-8", "replace") if isinstance(page, str) else page
    parser = html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = html.document_fromstring(data.replace(b"\x00", b""), parser=parser)
    except etree.ParserError:  # nothing but white space, or nothing at all
        root = html.document_fromstring(b"<p></p>", parser=parser)
    _clean(root)
    head, body = _head(root), root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    meta = etree.Element("meta", {"http-equiv": "Content-Security-Policy"})
    meta.set("content", INERT_POLICY)
    head.insert(0, meta)
    head.insert(0, etree.Element("meta", {"charset": "utf-8"}))
    note = etree.Element("p", {"style": "background:#ffd;border:1px solid #aa8;padding:.4em"})
    note.text = INERT_NOTE.format(name=raw_name)
    body.insert(0, note)
    return "<!doctype html>\n" + html.tostring(root, encoding="unicode", method="html")


def _head(root: Any) -> Any:
    from lxml import etree

    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    return head


def _clean(root: Any) -> None:
    """Apply the allow-list to every node under ``root`` (``<html>``): first drop what goes
    with its content (a node inside one already dropped is dropped again, harmlessly), then
    unwrap unknown elements and clean the attributes of the ones kept."""
    for node in [n for n in root.iter() if n is not root and _dropped(n)]:
        node.drop_tree()
    for node in list(root.iter()):
        if node is not root and node.tag not in KEPT_TAGS:
            node.drop_tag()
            continue
        _clean_attributes(node)
        if node.tag == "style":
            node.text = _clean_css(node.text or "")


def _dropped(node: Any) -> bool:
    """Comments, processing instructions, and the elements that go with their content."""
    if not isinstance(node.tag, str):
        return True
    tag = node.tag.lower()
    return tag in DROPPED_TAGS or (tag == "style" and len(node) > 0)


def _clean_attributes(node: Any) -> None:
    href = node.get("href") if node.tag == "a" else None
    src = node.get("src") if node.tag == "img" else None
    for name in list(node.attrib):
        if name.lower() not in KEPT_ATTRIBUTES:
            del node.attrib[name]
    if "style" in node.attrib:
        style = _clean_css(node.get("style"))
        if style:
            node.set("style", style)
        else:
            del node.attrib["style"]
    if href:  # where the link went, as words an investigator can read, never a live link
        node.set("title", f"{node.get('title') or ''} [link: {href}]".strip())
    if src and DATA_PICTURE.match(src):
        node.set("src", src)


def _clean_css(css: str) -> str:
    """CSS that fetches nothing. A backslash can spell ``url(`` in CSS escapes, and a comment
    can hide where a token starts, so CSS holding either is dropped whole."""
    if any(sign in css for sign in ("\\", "/*", "</", "\x00")):
        return ""
    return CSS_FETCHES.sub(lambda m: "@x-inert" if m[0].startswith("@") else "x-inert(", css)
