"""The photo checker: GPS and identifying metadata in the Subject's photo folders.

One finding per photo that reveals a location (history compares them by path), graded by the
place it points at: a photo in a place that looks like home or work (photographed on several
days, or near the profile's home: see ``metadata.clusters``) is high severity. Camera serials and
names are one finding per folder, so a large library does not bury the locations under thousands
of lines.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from lowprofile.checkers.base import CheckContext, Readiness
from lowprofile.config import Settings
from lowprofile.metadata.clusters import osm_link
from lowprofile.metadata.library import LibraryScan, scan_library
from lowprofile.metadata.text import safe_text
from lowprofile.remedies import NEAR_HOME_M, strip_command
from lowprofile.results import CheckResult, Finding, Remedy, Severity, Status
from lowprofile.subject import Subject

CHECKER_ID = "photos"


def library_findings(scan: LibraryScan) -> list[Finding]:
    """Findings for one scanned folder: located photos, then names and serials."""
    cluster_of = {path: cluster for cluster in scan.clusters for path in cluster.paths}
    findings = []
    for entry in scan.located:
        assert entry.meta is not None and entry.meta.gps is not None  # noqa: S101 - located
        gps = entry.meta.gps
        cluster = cluster_of.get(entry.path)
        near_home = (
            cluster is not None
            and cluster.distance_to_home_m is not None
            and cluster.distance_to_home_m <= NEAR_HOME_M
        )
        if cluster is not None and cluster.likely_home_or_work:
            severity = Severity.HIGH
            where_words = "near your home" if near_home else "a place you return to often"
            title = f"Photo shows {where_words} ({cluster.count} photos there)"
        else:
            severity = Severity.MEDIUM
            title = "Photo reveals where it was taken"
        evidence: dict[str, Any] = {
            "lat": round(gps.lat, 6),
            "lon": round(gps.lon, 6),
            "alt": gps.alt,
            "gps_source": gps.source,
            "taken": entry.meta.taken,
            "map": osm_link(gps.lat, gps.lon),
            "exposed": entry.meta.exposed,
        }
        if cluster is not None:
            shown = cluster.to_dict()
            evidence["cluster"] = shown | {"paths": shown["paths"][:20]}
        findings.append(
            Finding(
                kind="photo_location",
                title=title,
                where=safe_text(entry.path),
                exposed=tuple(entry.meta.exposed),
                severity=severity,
                remedy=Remedy(
                    action="strip",
                    summary="Remove the location and other metadata before sharing this photo",
                    command=strip_command([entry.path]),
                    group="photos",
                    minutes=1,
                ),
                evidence=evidence,
                key=f"photo:{safe_text(entry.path)}",
            )
        )
    identified = [
        f for f in scan.files if f.meta and not f.meta.gps and (f.meta.serials or f.meta.names)
    ]
    if identified:
        named = sum(1 for f in identified if f.meta and f.meta.names)
        serials = sum(1 for f in identified if f.meta and f.meta.serials)
        folder = safe_text(str(Path(identified[0].path).parent))
        paths = [f.path for f in identified]
        findings.append(
            Finding(
                kind="photo_identity",
                title=f"{len(identified)} photo(s) carry names ({named}) or camera serials "
                f"({serials}) that link them to you",
                where=folder,
                exposed=tuple(sorted({e for f in identified if f.meta for e in f.meta.exposed})),
                severity=Severity.MEDIUM if named else Severity.LOW,
                remedy=Remedy(
                    action="strip",
                    summary="Strip these photos before posting them",
                    command=strip_command(paths[:50]),
                    group="photos",
                    minutes=1,
                ),
                evidence={"photos": [safe_text(p) for p in paths[:200]], "count": len(paths)},
                key=f"photo_identity:{folder}",
            )
        )
    return findings


class PhotoChecker:
    """GPS, names and serial numbers in the Subject's photo folders (nothing leaves the machine)."""

    id = CHECKER_ID
    title = "Photo folders"

    def readiness(self, settings: Settings) -> Readiness:
        return Readiness(True)

    def targets(self, subject: Subject) -> int:
        return len(subject.photo_dirs)

    async def check(self, subject: Subject, ctx: CheckContext) -> AsyncIterator[CheckResult]:
        home = subject.home
        home_point = (home.lat, home.lon) if home and home.lat is not None else None
        for folder in subject.photo_dirs:
            target = str(folder)
            if not folder.exists():
                yield CheckResult(CHECKER_ID, target, Status.ERROR, detail="folder not found")
                ctx.advance(1)
                continue
            scan = await asyncio.to_thread(scan_library, [folder], home_point)  # type: ignore[arg-type]
            findings = tuple(library_findings(scan))
            detail = f"{len(scan.located)} of {len(scan.files)} photos reveal a location" + (
                f"; {len(scan.errors)} unreadable" if scan.errors else ""
            )
            if scan.problems:
                detail += f"; {len(scan.problems)} not scanned ({safe_text(scan.problems[0])})"
            status = Status.FOUND if findings else Status.NOT_FOUND
            if not findings and (
                (scan.errors and len(scan.errors) == len(scan.files)) or scan.problems
            ):
                status = Status.ERROR  # nothing could be read, or not everything: not "clean"
            yield CheckResult(CHECKER_ID, target, status, findings=findings, detail=detail)
            broken = scan.errors
            if broken and status is not Status.ERROR:
                # What was read is answered above; the photos that could not be read whole are
                # not "clean": one of them may hold the location the scan did not see.
                first = f"{safe_text(broken[0].path)}: {broken[0].error}"
                yield CheckResult(
                    CHECKER_ID,
                    f"{target} ({len(broken)} unreadable)",
                    Status.ERROR,
                    detail=f"{len(broken)} photo(s) could not be read whole, e.g. {first}",
                )
            ctx.advance(1)
