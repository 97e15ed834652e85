"""Scanning folders of photos: every file's exposures, the places they cluster at, and warnings.

Used by ``lowprofile photos scan`` and by the photo checker inside ``lowprofile scan``; neither
prints: progress goes out through a callback, bad files come back as entries with an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowprofile.errors import MetadataError
from lowprofile.metadata.clusters import Cluster, cluster_points
from lowprofile.metadata.reader import DamagedPhotoError, PhotoMetadata, read_metadata


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
            "path": self.path,
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

    @property
    def located(self) -> list[FileEntry]:
        return [f for f in self.files if f.meta and f.meta.gps]

    @property
    def errors(self) -> list[FileEntry]:
        return [f for f in self.files if f.error]

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "clusters": [c.to_dict() for c in self.clusters],
            "summary": {
                "photos": len(self.files),
                "with_location": len(self.located),
                "unreadable": len(self.errors),
                "skipped_not_photos": self.skipped,
            },
        }


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files under ``paths``, folders recursively, hidden folders and symlink loops skipped."""
    for path in paths:
        if path.is_file():
            yield path
        elif path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        yield Path(root) / name


def scan_library(
    paths: list[Path],
    home: tuple[float, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LibraryScan:
    """Read every photo under ``paths``; ``progress(done, total)`` after each file."""
    files = list(iter_files(paths))
    result = LibraryScan()
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
