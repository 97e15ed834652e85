"""Grouping located photos into places: where many photos agree, someone lives or works.

Photos within about 150 m of each other are one place (single-link clustering on haversine
distance, so a walk around a garden stays one place), found in near-linear time. The largest
places are the ones a stalker would look for first: home, workplace, a child's school.

A place is called "likely home or workplace" only when the photos show a return to it: taken on
at least three distinct days, or within ``NEAR_HOME_M`` of the home address the profile gives.
Five photos in twelve minutes on one afternoon are a visit, not a home.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from lowprofile.metadata.text import safe_text
from lowprofile.remedies import NEAR_HOME_M

EARTH_RADIUS_M = 6_371_000.0
CLUSTER_RADIUS_M = 150.0
LIKELY_HOME_MIN_DAYS = 3
"""Distinct days with photos at one place before it counts as a place someone returns to."""
LIKELY_HOME_MAX_PLACES = 3
"""Without a home address, only the places returned to most are called home or work."""
_DAY = re.compile(r"\s*(\d{4})[:\-./]?(\d{2})[:\-./]?(\d{2})")


def day_of(taken: str | None) -> str | None:
    """``YYYY-MM-DD`` from a capture date as EXIF (``2024:05:01 …``), XMP or a video
    (``2024-05-01T…``) or IPTC (``20240501``) write it; None when there is none to read."""
    found = _DAY.match(taken or "")
    if found is None or found.group(2) == "00" or found.group(3) == "00":
        return None
    return "-".join(found.groups())


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
    days: int = 0
    """Distinct days the dated photos here were taken on."""

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
            "days": self.days,
            "likely_home_or_workplace": self.likely_home_or_work,
            "distance_to_home_m": (
                round(self.distance_to_home_m) if self.distance_to_home_m is not None else None
            ),
            "map": osm_link(self.lat, self.lon),
        }


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere: straight-line (chord) distance grows with great-circle
    distance everywhere, with no seam at the antimeridian and no squeeze at the poles."""
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


_REACH = 2
"""Cells a linked pair can be apart along each axis: a cell's side is the chord over sqrt(3),
so a chord spans at most two cells."""
_FORWARD = [
    (dx, dy, dz)
    for dx in range(-_REACH, _REACH + 1)
    for dy in range(-_REACH, _REACH + 1)
    for dz in range(-_REACH, _REACH + 1)
    if (dx, dy, dz) > (0, 0, 0)
]
"""Half of the neighbouring cells, so each pair of cells is looked at once."""


class _Cells:
    """Points bucketed in a 3-D grid whose cells are small enough that any two points in one
    cell are within the radius (its diagonal is the radius' chord), with a union-find over the
    cells. A cell's points are one place without a single distance computed; only pairs of
    neighbouring cells not yet joined are compared, and those stop at the first close pair."""

    def __init__(self, points: list[tuple[str, float, float, str | None]], radius_m: float) -> None:
        self.points = points
        self.radius_m = radius_m
        half_angle = min(max(radius_m, 0.01) / (2 * EARTH_RADIUS_M), math.pi / 2)
        self.chord = 2 * math.sin(half_angle)
        self.side = self.chord / math.sqrt(3) * (1 - 1e-6)  # margin for rounding
        self.members: dict[tuple[int, int, int], list[int]] = {}
        self.xyz = [_unit(lat, lon) for _, lat, lon, _ in points]
        for index, (x, y, z) in enumerate(self.xyz):
            key = (math.floor(x / self.side), math.floor(y / self.side), math.floor(z / self.side))
            self.members.setdefault(key, []).append(index)
        self.parent = {key: key for key in self.members}

    def find(self, key: tuple[int, int, int]) -> tuple[int, int, int]:
        parent = self.parent
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join_neighbours(self) -> None:
        for key in self.members:
            gx, gy, gz = key
            for dx, dy, dz in _FORWARD:
                other = (gx + dx, gy + dy, gz + dz)
                if other in self.members and self.find(key) != self.find(other):
                    if self._linked(key, other):
                        self.parent[self.find(key)] = self.find(other)

    def _gap(self, index: int, cell: tuple[int, int, int]) -> float:
        """Squared chord from a point to the nearest spot of a cell's box."""
        gap = 0.0
        for coordinate, low in zip(self.xyz[index], cell, strict=True):
            start = low * self.side
            outside = max(start - coordinate, coordinate - start - self.side, 0.0)
            gap += outside * outside
        return gap

    def _facing(self, cell: tuple[int, int, int], other: tuple[int, int, int]) -> list[int]:
        """The points of ``cell`` that could be within the radius of ``other``, nearest first
        (so a link between two crowded cells is usually found at the first comparison)."""
        limit = self.chord * self.chord
        gaps = [(self._gap(i, other), i) for i in self.members[cell]]
        return [i for gap, i in sorted(gaps) if gap <= limit]

    def _linked(self, a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
        """Whether some point of cell ``a`` is within the radius of some point of cell ``b``;
        the true (haversine) distance decides, as it always has."""
        near_a = self._facing(a, b)
        if not near_a:
            return False
        near_b = self._facing(b, a)
        points = self.points
        for i in near_a:
            _, lat1, lon1, _ = points[i]
            for j in near_b:
                _, lat2, lon2, _ = points[j]
                if distance_m(lat1, lon1, lat2, lon2) <= self.radius_m:
                    return True
        return False

    def groups(self) -> list[list[int]]:
        """Point indices per place, in the order each place's first point appears."""
        by_root: dict[tuple[int, int, int], list[int]] = {}
        cell_of = {i: key for key, members in self.members.items() for i in members}
        for index in range(len(self.points)):
            by_root.setdefault(self.find(cell_of[index]), []).append(index)
        return list(by_root.values())


def cluster_points(
    points: list[tuple[str, float, float, str | None]],
    home: tuple[float, float] | None = None,
    radius_m: float = CLUSTER_RADIUS_M,
) -> list[Cluster]:
    """(path, lat, lon, date) → clusters, largest first.

    A place is likely home or work when it is near ``home`` or, among the
    ``LIKELY_HOME_MAX_PLACES`` largest places photographed on ``LIKELY_HOME_MIN_DAYS`` days or
    more, a place returned to.

    Single-link clustering: two photos within ``radius_m`` are one place, and so is a chain of
    them. Near-linear at any density (a camera roll at home puts thousands of photos in one
    cell, and no pair inside a cell is compared); see ``_Cells``.
    """
    cells = _Cells(points, radius_m)
    cells.join_neighbours()
    clusters = []
    for members in cells.groups():
        lat = sum(points[i][1] for i in members) / len(members)
        lon = sum(points[i][2] for i in members) / len(members)
        dates = sorted(d for i in members if (d := points[i][3]))
        cluster = Cluster(lat, lon, sorted(points[i][0] for i in members))
        cluster.first, cluster.last = (dates[0], dates[-1]) if dates else (None, None)
        cluster.days = len({day for d in dates if (day := day_of(d))})
        if home is not None:
            cluster.distance_to_home_m = distance_m(lat, lon, *home)
            cluster.likely_home_or_work = cluster.distance_to_home_m <= NEAR_HOME_M
        clusters.append(cluster)
    clusters.sort(key=lambda c: -c.count)
    returned = [c for c in clusters if c.days >= LIKELY_HOME_MIN_DAYS]
    for cluster in returned[:LIKELY_HOME_MAX_PLACES]:
        cluster.likely_home_or_work = True
    return clusters
