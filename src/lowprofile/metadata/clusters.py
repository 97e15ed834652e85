"""Grouping located photos into places: where many photos agree, someone lives or works.

Photos within about 150 m of each other are one place (single-link clustering on haversine
distance, so a walk around a garden stays one place). The largest places are the ones a stalker
would look for first: home, workplace, a child's school.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lowprofile.metadata.text import safe_text

EARTH_RADIUS_M = 6_371_000.0
CLUSTER_RADIUS_M = 150.0
LIKELY_HOME_MIN_PHOTOS = 3


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def osm_link(lat: float, lon: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
    )


@dataclass
class Cluster:
    lat: float
    lon: float
    paths: list[str] = field(default_factory=list)
    first: str | None = None
    last: str | None = None
    likely_home_or_work: bool = False
    distance_to_home_m: float | None = None

    @property
    def count(self) -> int:
        return len(self.paths)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "photos": self.count,
            "paths": [safe_text(p) for p in self.paths],
            "first": self.first,
            "last": self.last,
            "likely_home_or_workplace": self.likely_home_or_work,
            "distance_to_home_m": (
                round(self.distance_to_home_m) if self.distance_to_home_m is not None else None
            ),
            "map": osm_link(self.lat, self.lon),
        }


def cluster_points(
    points: list[tuple[str, float, float, str | None]],
    home: tuple[float, float] | None = None,
    radius_m: float = CLUSTER_RADIUS_M,
) -> list[Cluster]:
    """(path, lat, lon, date) → clusters, largest first; grid-bucketed so it stays fast."""
    cell = radius_m / 111_000.0  # degrees of latitude per radius
    parent = list(range(len(points)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    grid: dict[tuple[int, int], list[int]] = {}
    for index, (_, lat, lon, _) in enumerate(points):
        lon_cell = cell / max(0.05, math.cos(math.radians(lat)))
        key = (int(math.floor(lat / cell)), int(math.floor(lon / lon_cell)))
        grid.setdefault(key, []).append(index)
    for (gy, gx), members in grid.items():
        neighbours = [
            j for dy in (-1, 0, 1) for dx in (-1, 0, 1) for j in grid.get((gy + dy, gx + dx), [])
        ]
        for i in members:
            for j in neighbours:
                if j <= i:
                    continue
                _, lat1, lon1, _ = points[i]
                _, lat2, lon2, _ = points[j]
                # longitude cells shrink toward the poles; the true distance decides
                if distance_m(lat1, lon1, lat2, lon2) <= radius_m:
                    parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for index in range(len(points)):
        groups.setdefault(find(index), []).append(index)
    clusters = []
    for members in groups.values():
        lat = sum(points[i][1] for i in members) / len(members)
        lon = sum(points[i][2] for i in members) / len(members)
        dates = sorted(d for i in members if (d := points[i][3]))
        cluster = Cluster(lat, lon, sorted(points[i][0] for i in members))
        cluster.first, cluster.last = (dates[0], dates[-1]) if dates else (None, None)
        if home is not None:
            cluster.distance_to_home_m = distance_m(lat, lon, *home)
        clusters.append(cluster)
    clusters.sort(key=lambda c: -c.count)
    for rank, cluster in enumerate(clusters):
        cluster.likely_home_or_work = cluster.count >= LIKELY_HOME_MIN_PHOTOS and rank < 3
    return clusters
