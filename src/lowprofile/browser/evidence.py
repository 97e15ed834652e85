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

import errno
import hashlib
import json
import logging
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from lowprofile import __version__
from lowprofile.browser.profiles import site_key
from lowprofile.config import data_dir
from lowprofile.errors import LowprofileError
from lowprofile.files import ensure_private_dir, write_private

if TYPE_CHECKING:
    from lowprofile.browser.engine import BrowserEngine

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


class EvidenceError(LowprofileError):
    """Evidence that is not as lowprofile kept it: an unknown id, a manifest that is not one, a
    file missing, changed or replaced by a link. Bad input to ``evidence export`` (exit 2), never
    a traceback: a pack handed to the police must be refused, naming the place, not half made."""


MANIFEST_CAP = 16 * 1024 * 1024
"""Bytes a manifest may hold: ours are a few kilobytes; a bigger one was not written by us."""
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
"""A file a manifest may name: a plain name inside the broker's folder, never a path."""
DIGEST = re.compile(r"[0-9a-f]{64}\Z")


def read_kept(path: Path) -> bytes:
    """The bytes of one kept file, read only from a regular file and never through a symbolic
    link (a ``notes.txt`` linked to a secret must not end up in a pack)."""
    if path.is_symlink():
        raise EvidenceError(f"{path}: a link, not a file lowprofile kept")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise EvidenceError(f"{path}: missing") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise EvidenceError(f"{path}: a link, not a file lowprofile kept") from None
        raise
    with os.fdopen(fd, "rb") as kept:
        if not stat.S_ISREG(os.fstat(kept.fileno()).st_mode):
            raise EvidenceError(f"{path}: not a regular file")
        return kept.read()


def check_manifest(data: object, where: Path) -> dict[str, Any]:
    """``data`` as a manifest of kept pages, or EvidenceError naming ``where`` and the place:
    every page has its URL, its time and an object of plain file names to SHA-256 values."""

    def bad(place: str, why: str) -> NoReturn:
        raise EvidenceError(f"{where}: {place}: {why}")

    if not isinstance(data, dict):
        bad("the top", "not an object")
    if not isinstance(data.get("broker", ""), str):
        bad("broker", "not text")
    pages = data.get("pages")
    if not isinstance(pages, list):
        bad("pages", "not a list")
    for number, page in enumerate(pages):
        place = f"pages[{number}]"
        if not isinstance(page, dict):
            bad(place, "not an object")
        for key in ("url", "fetched_at", "via"):
            value = page.get(key, "http" if key == "via" else None)
            if not isinstance(value, str) or not value:
                bad(f"{place}.{key}", "missing or not text")
        files = page.get("files")
        if not isinstance(files, dict):
            bad(f"{place}.files", "not an object of file names and SHA-256 values")
        for name, digest in files.items():
            if not FILE_NAME.match(name) or name == MANIFEST:
                bad(f"{place}.files", f"{name!r} is not a plain file name")
            if not isinstance(digest, str) or not DIGEST.match(digest):
                bad(f"{place}.files.{name}", "not a SHA-256 value")
    return data


def load_manifest(folder: Path) -> tuple[bytes, dict[str, Any]]:
    """The bytes of a broker folder's manifest and what they say; EvidenceError if unusable."""
    path = folder / MANIFEST
    raw = read_kept(path)
    if len(raw) > MANIFEST_CAP:
        raise EvidenceError(f"{path}: larger than any manifest lowprofile writes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise EvidenceError(f"{path}: not JSON ({exc.__class__.__name__})") from None
    return raw, check_manifest(data, path)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A broker folder's manifest, or None when there is none or it is not one."""
    try:
        return load_manifest(folder)[1]
    except (EvidenceError, OSError):
        return None


@dataclass(frozen=True)
class KeptFolder:
    """One broker's evidence as read and checked: the manifest and every file it names."""

    manifest: dict[str, Any]
    files: dict[str, bytes]
    """``manifest.json`` first, then each file the pages name, with the bytes that were hashed."""


def read_folder(folder: Path) -> KeptFolder:
    """Read one broker's evidence, refusing (EvidenceError) the first file that is missing, is a
    link, or differs from its SHA-256. Only files the manifest names are read."""
    if folder.is_symlink():
        raise EvidenceError(f"{folder}: a link, not a folder lowprofile kept")
    raw, manifest = load_manifest(folder)
    files = {MANIFEST: raw}
    for page in manifest["pages"]:
        for name, digest in page["files"].items():
            data = read_kept(folder / name)
            if hashlib.sha256(data).hexdigest() != digest:
                raise EvidenceError(f"{folder / name}: SHA-256 differs from the manifest")
            files[name] = data
    return KeptFolder(manifest, files)


def verify_folder(folder: Path) -> list[str]:
    """How the files of one broker's evidence differ from its manifest (empty: intact); the
    first difference found, as one line."""
    try:
        read_folder(folder)
    except EvidenceError as exc:
        return [str(exc)]
    except OSError as exc:
        return [f"{folder}: {exc.strerror or exc}"]
    return []


THUMBNAILS = 24
"""Findings shown with a picture of their page in the HTML report; the rest get links only, so
a scan of many listings keeps a report that opens quickly."""
THUMBNAIL_WIDTH = 360


INERT = "inert"
"""The sub-folder of a broker's evidence holding the inert copies of its pages (``inert.py``):
derived from the kept bytes, named by no manifest, made again whenever they are linked."""


def is_page(name: str) -> bool:
    return name.lower().endswith((".html", ".htm"))


def inert_copies(kept: KeptFolder) -> dict[str, str]:
    """The inert copy of every page a broker's evidence holds, by its path relative to the
    broker's folder (``inert/page-1.html``)."""
    from lowprofile.browser.inert import inert_html

    return {
        f"{INERT}/{name}": inert_html(data, name)
        for name, data in kept.files.items()
        if is_page(name)
    }


def evidence_index(folder: Path) -> dict[str, dict[str, str]]:
    """For the HTML report: each broker of a scan's evidence ``folder`` with ``file:`` links to
    its folder, the inert copy of the page as received (never the broker's live page: opening
    it would tell the site when and from where) and its screenshot, and a small JPEG of the top
    of the page as a ``data:`` URI (the report's content policy allows only those pictures).
    Only brokers whose files match their manifest are listed: a link must show what was seen."""
    index: dict[str, dict[str, str]] = {}
    for target in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        try:
            kept = read_folder(target)
        except (EvidenceError, OSError):
            continue
        pages = kept.manifest["pages"]
        if not pages:
            continue
        entry = {"folder": target.as_uri()}
        for name in pages[0]["files"]:
            if name.endswith(".png"):
                entry.setdefault("screenshot", (target / name).as_uri())
                if len(index) < THUMBNAILS:
                    entry.setdefault("thumbnail", _thumbnail(kept.files[name]))
            elif is_page(name) and "page" not in entry:
                copy = _write_inert(target, name, kept)
                if copy is not None:
                    entry["page"] = copy.as_uri()
        index[kept.manifest.get("broker") or target.name] = entry
    return index


def _write_inert(target: Path, name: str, kept: KeptFolder) -> Path | None:
    """Write the inert copy of one kept page beside it; None (no link) when it cannot be."""
    from lowprofile.browser.inert import inert_html

    try:
        folder = ensure_private_dir(target / INERT)
        return write_private(folder / name, inert_html(kept.files[name], name))
    except OSError as exc:
        log.debug("no inert copy of %s: %s", target / name, exc)
        return None


def _thumbnail(png: bytes) -> str:
    """The top of a full-page screenshot, shrunk, as a ``data:`` URI ('' when it cannot be)."""
    import base64
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(png)) as image:
            top = image.crop((0, 0, image.width, min(image.height, image.width))).convert("RGB")
            top.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH))
            out = io.BytesIO()
            top.save(out, "JPEG", quality=70)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


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
