"""Scanning folders of photos: every file's exposures, the places they cluster at, and warnings.

Used by ``lowprofile photos scan`` and by the photo checker inside ``lowprofile scan``; neither
prints: progress goes out through a callback, bad files come back as entries with an error, and
what could not be looked at (a folder that cannot be listed, a FIFO or device among the photos)
comes back in ``problems``, so no report says "0 of 0 photos" about a folder it never saw.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowprofile.errors import MetadataError
from lowprofile.metadata.clusters import Cluster, cluster_points
from lowprofile.metadata.reader import DamagedPhotoError, PhotoMetadata, read_metadata
from lowprofile.metadata.text import safe_text


@dataclass
class FileEntry:
    path: str
    format: str | None
    meta: PhotoMetadata | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        gps = None
        if self.meta and self.meta.gps:
            gps = {"lat": self.meta.gps.lat, "lon": self.meta.gps.lon, "alt": self.meta.gps.alt}
        return {
            "path": safe_text(self.path),
            "format": self.format,
            "gps": gps,
            "exposed": self.meta.exposed if self.meta else [],
            "error": self.error,
            "warnings": self.meta.warnings if self.meta else [],
            "taken": self.meta.taken if self.meta else None,
            "camera": " ".join(p for p in (self.meta.make, self.meta.model) if p) or None
            if self.meta
            else None,
            "serials": self.meta.serials if self.meta else [],
            "names": self.meta.names if self.meta else {},
        }


@dataclass
class LibraryScan:
    files: list[FileEntry] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    skipped: int = 0
    """Files that are not photos or videos (skipped quietly)."""
    problems: list[str] = field(default_factory=list)
    """What could not be looked at: folders that could not be listed, paths that are not
    regular files. A scan with problems is incomplete, and says so."""

    @property
    def located(self) -> list[FileEntry]:
        return [f for f in self.files if f.meta and f.meta.gps]

    @property
    def errors(self) -> list[FileEntry]:
        return [f for f in self.files if f.error]

    @property
    def complete(self) -> bool:
        """Every file was found and read whole: only then may "no location" mean clean (a
        damaged or unreadable file may hold the GPS the scan did not see)."""
        return not self.problems and not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "clusters": [c.to_dict() for c in self.clusters],
            "problems": [safe_text(p) for p in self.problems],
            "summary": {
                "photos": len(self.files),
                "with_location": len(self.located),
                "unreadable": len(self.errors),
                "skipped_not_photos": self.skipped,
                "not_scanned": len(self.problems),
            },
        }


def iter_files(paths: list[Path], problems: list[str] | None = None) -> Iterator[Path]:
    """Regular files under ``paths``, folders recursively, hidden entries and symlinked folders
    skipped. Only regular files are yielded (a FIFO would block whoever opens it, a device never
    ends); each path left out for another reason, and each folder that cannot be listed, is
    added to ``problems`` when given."""

    def note(path: Path | str, why: str) -> None:
        if problems is not None:
            problems.append(f"{path}: {why}")

    def walk_error(error: OSError) -> None:
        note(error.filename or "?", f"folder not scanned ({error.strerror or error})")

    for path in paths:
        kind = _kind(path)
        if kind == "file":
            yield path
        elif kind == "folder":
            for root, dirs, names in os.walk(path, onerror=walk_error):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    entry = Path(root) / name
                    entry_kind = _kind(entry)
                    if entry_kind == "file":
                        yield entry
                    elif entry_kind != "folder":  # a symlink to a folder is not followed
                        note(entry, entry_kind)
        else:
            note(path, kind)


def _kind(path: Path) -> str:
    """ "file", "folder", or why the path is neither (followed through symlinks)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"not read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return "not a regular file (a FIFO, device or socket): not read"


def scan_library(
    paths: list[Path],
    home: tuple[float, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LibraryScan:
    """Read every photo under ``paths``; ``progress(done, total)`` after each file."""
    result = LibraryScan()
    files = list(iter_files(paths, result.problems))
    for done, path in enumerate(files, start=1):
        try:
            meta = read_metadata(path)
            if meta is None:
                result.skipped += 1
            else:
                result.files.append(FileEntry(str(path), meta.format, meta))
        except DamagedPhotoError as exc:  # damaged, but what it did give away still counts
            result.files.append(FileEntry(str(path), exc.partial.format, exc.partial, str(exc)))
        except MetadataError as exc:
            result.files.append(FileEntry(str(path), None, None, str(exc)))
        if progress is not None:
            progress(done, len(files))
    points = [
        (f.path, f.meta.gps.lat, f.meta.gps.lon, f.meta.taken)
        for f in result.files
        if f.meta and f.meta.gps
    ]
    result.clusters = cluster_points(points, home)
    return result
