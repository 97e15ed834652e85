"""``evidence export``: a scan's evidence as one zip for the police or a platform's abuse desk.

The pack holds exactly what the manifests name (each file read once, never through a link, and
checked against its SHA-256 as read), the manifests themselves, an inert copy of every page
(``inert.py``) and a one-page ``index.html``. The index links each page to its inert copy,
never to the page as received: whoever opens the pack must not tell the broker, or anyone its
markup names, when and from where. The raw bytes stay in the pack beside their hash.
"""

from __future__ import annotations

import html
import zipfile
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from lowprofile.browser.evidence import (
    INERT,
    MANIFEST,
    TOOL,
    EvidenceError,
    inert_copies,
    is_page,
    read_folder,
)
from lowprofile.browser.folders import scan_folder
from lowprofile.files import atomic_writer, ensure_private_dir

INDEX_POLICY = (
    "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
    "form-action 'none'; base-uri 'none'"
)
"""The index shows the pack's own screenshots and nothing from anywhere else."""


class Pack(NamedTuple):
    """A written pack: where, how many kept files (manifests included), how many inert copies."""

    path: Path
    kept: int
    inert: int


def export_pack(ref: str, out: Path) -> Pack:
    """Zip the evidence ``ref`` names (``folders.scan_folder``) to ``out``: written beside it,
    checked, then renamed into place. A broker folder that is not as kept (a manifest that is
    not one, a file missing, changed or a link) refuses the whole pack with EvidenceError."""
    folder = scan_folder(ref)
    subs = [sub for sub in sorted(folder.iterdir()) if sub.is_dir() or sub.is_symlink()]
    manifests = [(sub.name, read_folder(sub).manifest) for sub in subs]  # refused before writing
    kept = inert = 0
    ensure_private_dir(out.parent)
    with atomic_writer(out) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as pack:
            pack.writestr("index.html", _index(folder.name, manifests))
            for sub in subs:  # read again, one broker at a time: the bytes zipped are checked
                folder_kept = read_folder(sub)
                for name, data in folder_kept.files.items():
                    pack.writestr(f"{sub.name}/{name}", data)
                    kept += 1
                for name, text in inert_copies(folder_kept).items():
                    pack.writestr(f"{sub.name}/{name}", text)
                    inert += 1
        with zipfile.ZipFile(tmp) as check:
            bad = check.testzip()
            if bad is not None:
                raise EvidenceError(f"{out}: {bad} did not survive the zip")
    return Pack(out, kept, inert)


def _index(name: str, brokers: list[tuple[str, dict[str, Any]]]) -> str:
    """The pack's one page: per page kept, where and when it came from, each file with its
    SHA-256, a link to the inert copy of the page and the screenshot."""
    body = "".join(
        _section(broker, page) for broker, manifest in brokers for page in manifest["pages"]
    )
    body = body or "<p>No evidence was kept for this scan.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{INDEX_POLICY}">'
        f"<title>Evidence, {html.escape(name)}</title></head><body>"
        f"<h1>Evidence kept by {html.escape(TOOL)}, {html.escape(name)}</h1>"
        "<p>Each page is kept as it was received, with a screenshot and its SHA-256 in the "
        f"folder's {MANIFEST}. The links open an inert copy of each page (scripts, links and "
        "outside requests removed); the page as received runs the site's scripts if opened in a "
        f"browser, so read it in a text editor.</p>{body}</body></html>"
    )


def _section(broker: str, page: dict[str, Any]) -> str:
    rows, images = [], []
    for name, digest in page["files"].items():
        path = f"{quote(broker)}/{quote(name)}"
        if is_page(name):
            shown = (
                f'<code>{html.escape(name)}</code> as received · <a href="{quote(broker)}/'
                f'{INERT}/{quote(name)}">open the inert copy</a>'
            )
        else:
            shown = f'<a href="{path}">{html.escape(name)}</a>'
            if name.endswith(".png"):
                images.append(f'<img src="{path}" alt="" width="320">')
        rows.append(f"<li>{shown} <code>sha256 {html.escape(digest)}</code></li>")
    return (
        f"<section><h2>{html.escape(broker)}</h2>"
        f"<p>{html.escape(page['url'])}<br>retrieved {html.escape(page['fetched_at'])} "
        f"(UTC) by {html.escape(page.get('via', 'http'))}</p><ul>{''.join(rows)}</ul>"
        f"{''.join(images)}</section>"
    )
