"""Sample data for the report's pictures: photo places built the way the photo checker builds
them (real clusters from ``metadata.clusters``), and a score trend."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from helpers.sample import sample_report, sample_results
from lowprofile.metadata.clusters import cluster_points, osm_link
from lowprofile.plan import assess_report
from lowprofile.results import CheckResult, Finding, ScanReport, Severity, Status

HOME = (30.2672, -97.7431)
METRES_PER_DEGREE = 111_195.0


def north(metres: float, east: float = 0.0) -> tuple[float, float]:
    """A point that far north (and east) of HOME."""
    lat = HOME[0] + metres / METRES_PER_DEGREE
    lon = HOME[1] + east / (METRES_PER_DEGREE * math.cos(math.radians(HOME[0])))
    return lat, lon


PHOTOS = [
    *[(f"/p/home{i}.jpg", *north(80, 5 * i), f"2026:0{i + 1}:0{i + 1} 18:00:00") for i in range(5)],
    ("/p/work1.jpg", *north(-3000, 2000), "2026:03:02 09:00:00"),
    ("/p/work2.jpg", *north(-3000, 2010), "2026:03:09 09:00:00"),
    ("/p/lake.jpg", *north(9000, -6000), "2026:04:12 15:30:00"),
    ("/p/paris.jpg", 48.8566, 2.3522, "2025:08:01 11:00:00"),
]  # fmt: skip


def photo_findings(home: tuple[float, float] | None = HOME) -> list[Finding]:
    """Findings shaped as ``checkers/photos.py`` makes them, from real clusters."""
    clusters = cluster_points([(p, lat, lon, d) for p, lat, lon, d in PHOTOS], home)
    cluster_of = {path: c for c in clusters for path in c.paths}
    findings = []
    for path, lat, lon, taken in PHOTOS:
        evidence: dict[str, Any] = {
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "taken": taken,
            "map": osm_link(lat, lon),
        }
        cluster = cluster_of.get(path)
        if cluster is not None and cluster.count > 1:
            evidence["cluster"] = cluster.to_dict() | {"paths": cluster.paths[:20]}
        findings.append(
            Finding(
                kind="photo_location",
                title="Photo reveals where it was taken",
                where=path,
                severity=Severity.HIGH
                if cluster and cluster.likely_home_or_work
                else Severity.MEDIUM,
                evidence=evidence,
            )
        )
    return findings


def pictured_report() -> ScanReport:
    """The sample report with real photo clusters in place of its photo results."""
    results = [r for r in sample_results() if r.checker != "photos"]
    results.append(
        CheckResult("photos", "/p", Status.FOUND, findings=tuple(photo_findings()), detail="9")
    )
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    report = ScanReport(
        subject=sample_report().subject,
        started=now,
        finished=now,
        checkers=["brokers", "xposedornot", "hibp", "photos", "social"],
        results=results,
    )
    assess_report(report)
    return report


TREND = [(datetime(2026, 9, 1, 8, tzinfo=UTC), 71), (date(2026, 10, 20), 64)]
