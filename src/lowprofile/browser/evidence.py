"""Evidence of what a scan found: the page as received, a screenshot, and a manifest of hashes.

CISA's advice to anyone being doxed is to document what occurred and keep screenshots for the
investigators. Every ``found`` or ``possible`` listing gets a folder
``<data>/evidence/<scan-id>/<broker>/`` holding the page (HTML), a full-page PNG drawn by the
browser with scripts and network off, and ``manifest.json`` with the URL, the UTC time, the
SHA-256 of each file and the tool version, so a copy can be shown to be the one kept.
``export_pack`` zips a scan's evidence with a one-page ``index.html`` for a police officer or a
platform's abuse desk. Files are 0600, folders 0700.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lowprofile import __version__
from lowprofile.browser.engine import BrowserEngine
from lowprofile.browser.profiles import site_key
from lowprofile.config import data_dir
from lowprofile.errors import LowprofileError
from lowprofile.files import atomic_writer, ensure_private_dir, write_private

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
TOOL = f"lowprofile {__version__}"


def evidence_root() -> Path:
    return data_dir() / "evidence"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class EvidenceKeeper:
    """Writes the evidence of one scan into ``folder``; the engine draws the screenshots."""

    folder: Path
    engine: BrowserEngine | None = None
    no_screenshot: str = "the browser engine is not available"

    async def keep(
        self, broker: str, url: str, page_html: str, via: str, png: bytes | None = None
    ) -> Path:
        """Save one page's evidence for ``broker`` and return its folder. A screenshot that
        cannot be drawn is named in the manifest as missing, with why; the HTML is still kept.
        ``png``: a screenshot of the live page already taken (after an opt-out's submit)."""
        target = ensure_private_dir(self.folder / site_key(broker))
        manifest = read_manifest(target) or {"tool": TOOL, "broker": broker, "pages": []}
        number = len(manifest["pages"]) + 1
        entry: dict[str, Any] = {
            "url": url,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "via": via,
            "files": {},
        }
        html_path = write_private(target / f"page-{number}.html", page_html)
        entry["files"][html_path.name] = sha256_of(html_path)
        shot = png if png is not None else await self._screenshot(page_html)
        if isinstance(shot, bytes):
            png_path = write_private(target / f"page-{number}.png", shot)
            entry["files"][png_path.name] = sha256_of(png_path)
        else:
            entry["screenshot_missing"] = shot
        blocked = self.engine.blocked_requests(url) if self.engine is not None else None
        if blocked is not None:  # what the browser fence refused the broker's pages
            entry["blocked_requests"] = blocked
        manifest["pages"].append(entry)
        write_private(target / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        return target

    async def _screenshot(self, page_html: str) -> bytes | str:
        if self.engine is None or not self.engine.available.ready:
            return self.no_screenshot
        try:
            return await self.engine.snapshot(page_html)
        except Exception as exc:  # the HTML is the evidence; a picture is a courtesy
            log.debug("screenshot failed", exc_info=True)
            return f"the screenshot failed: {exc.__class__.__name__}"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pages"), list) else None


def verify_folder(folder: Path) -> list[str]:
    """Every way the files of one broker's evidence differ from its manifest (empty: intact)."""
    manifest = read_manifest(folder)
    if manifest is None:
        return [f"{folder}: no readable {MANIFEST}"]
    problems = []
    for page in manifest["pages"]:
        for name, digest in page.get("files", {}).items():
            path = folder / name
            if not path.is_file():
                problems.append(f"{path}: missing")
            elif sha256_of(path) != digest:
                problems.append(f"{path}: SHA-256 differs from the manifest")
    return problems


THUMBNAILS = 24
"""Findings shown with a picture of their page in the HTML report; the rest get links only, so
a scan of many listings keeps a report that opens quickly."""
THUMBNAIL_WIDTH = 360


def evidence_index(folder: Path) -> dict[str, dict[str, str]]:
    """For the HTML report: each broker of a scan's evidence ``folder`` with ``file:`` links to
    its folder, the page as received and its screenshot, and a small JPEG of the top of the
    page as a ``data:`` URI (the report's content policy allows only those pictures). Only
    brokers whose files match their manifest are listed: a link must show what was seen."""
    index: dict[str, dict[str, str]] = {}
    for target in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        manifest = read_manifest(target)
        if manifest is None or not manifest["pages"] or verify_folder(target):
            continue
        files = manifest["pages"][0].get("files", {})
        entry = {"folder": target.as_uri()}
        for name in files:
            kind = "screenshot" if name.endswith(".png") else "page"
            entry.setdefault(kind, (target / name).as_uri())
        if "screenshot" in entry and len(index) < THUMBNAILS:
            entry["thumbnail"] = _thumbnail(target / next(n for n in files if n.endswith(".png")))
        index[str(manifest.get("broker") or target.name)] = entry
    return index


def _thumbnail(png: Path) -> str:
    """The top of a full-page screenshot, shrunk, as a ``data:`` URI ('' when it cannot be)."""
    import base64
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(png) as image:
            top = image.crop((0, 0, image.width, min(image.height, image.width))).convert("RGB")
            top.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH))
            out = io.BytesIO()
            top.save(out, "JPEG", quality=70)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def scan_folder(scan_id: str) -> Path:
    """The evidence folder of a scan, by history id (or folder name); LowprofileError if none."""
    folder = evidence_root() / site_key(scan_id)
    if not folder.is_dir():
        raise LowprofileError(f"no evidence for scan {scan_id} (looked in {folder})")
    return folder


def settle(pending: Path, scan_id: int | None) -> Path | None:
    """Name a scan's evidence folder after its history id once the scan is saved; the folder
    (or None when the scan kept no evidence)."""
    if not pending.is_dir():
        return None
    if scan_id is None:
        return pending
    final = pending.with_name(str(scan_id))
    if final.exists():
        return pending
    pending.rename(final)
    return final


def _index(scan_id: str, folders: list[tuple[str, dict[str, Any]]]) -> str:
    rows = []
    for broker, manifest in folders:
        for page in manifest["pages"]:
            files = "".join(
                f'<li><a href="{html.escape(broker)}/{html.escape(name)}">{html.escape(name)}</a>'
                f" <code>sha256 {html.escape(digest)}</code></li>"
                for name, digest in page.get("files", {}).items()
            )
            images = "".join(
                f'<img src="{html.escape(broker)}/{html.escape(name)}" alt="" width="320">'
                for name in page.get("files", {})
                if name.endswith(".png")
            )
            rows.append(
                f"<section><h2>{html.escape(broker)}</h2>"
                f"<p>{html.escape(page['url'])}<br>retrieved {html.escape(page['fetched_at'])} "
                f"(UTC) by {html.escape(page.get('via', 'http'))}</p><ul>{files}</ul>{images}"
                "</section>"
            )
    body = "".join(rows) or "<p>No evidence was kept for this scan.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Evidence, scan {html.escape(scan_id)}</title></head><body>"
        f"<h1>Evidence kept by {html.escape(TOOL)}, scan {html.escape(scan_id)}</h1>"
        "<p>Each page is kept as it was received, with a screenshot and its SHA-256 in the "
        f"folder's {MANIFEST}.</p>{body}</body></html>"
    )


def export_pack(scan_id: str, out: Path) -> tuple[Path, int]:
    """Zip a scan's evidence (manifests, files, one-page index.html) to ``out``: written beside
    it, checked, then renamed into place. The zip and the number of files it holds; a folder
    whose files no longer match its manifest is refused, naming the file."""
    folder = scan_folder(scan_id)
    folders = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        problems = verify_folder(sub)
        if problems:
            raise LowprofileError(problems[0])
        manifest = read_manifest(sub)
        assert manifest is not None  # noqa: S101 - verify_folder checked it
        folders.append((sub.name, manifest))
    count = 0
    ensure_private_dir(out.parent)
    with atomic_writer(out) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as pack:
            pack.writestr("index.html", _index(scan_id, folders))
            for broker, _ in folders:
                for path in sorted((folder / broker).iterdir()):
                    pack.write(path, f"{broker}/{path.name}")
                    count += 1
        with zipfile.ZipFile(tmp) as check:
            bad = check.testzip()
            if bad is not None:
                raise LowprofileError(f"{out}: {bad} did not survive the zip")
    return out, count
