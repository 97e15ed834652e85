"""Clustering: the grid of cells finds exactly the places a pairwise comparison finds."""

from __future__ import annotations

import math
import random

import pytest

from lowprofile.metadata.clusters import (
    CLUSTER_RADIUS_M,
    EARTH_RADIUS_M,
    Cluster,
    cluster_points,
    day_of,
    distance_m,
)

Point = tuple[str, float, float, str | None]


def pairwise_places(points: list[Point], radius_m: float = CLUSTER_RADIUS_M) -> set[frozenset[str]]:
    """Single-link clustering by comparing every pair: slow, and plainly right."""
    parent = list(range(len(points)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, (_, lat1, lon1, _) in enumerate(points):
        for j in range(i + 1, len(points)):
            _, lat2, lon2, _ = points[j]
            if distance_m(lat1, lon1, lat2, lon2) <= radius_m:
                parent[find(i)] = find(j)
    groups: dict[int, set[str]] = {}
    for i, point in enumerate(points):
        groups.setdefault(find(i), set()).add(point[0])
    return {frozenset(g) for g in groups.values()}


def previous_places(points: list[Point], radius_m: float = CLUSTER_RADIUS_M) -> set[frozenset[str]]:
    """The algorithm this module used before (a latitude/longitude grid, every pair of points
    in neighbouring cells compared), kept to show the results did not change."""
    cell = radius_m / 111_000.0
    parent = list(range(len(points)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    grid: dict[tuple[int, int], list[int]] = {}
    for index, (_, lat, lon, _) in enumerate(points):
        lon_cell = cell / max(0.05, math.cos(math.radians(lat)))
        grid.setdefault((math.floor(lat / cell), math.floor(lon / lon_cell)), []).append(index)
    for (gy, gx), members in grid.items():
        near = [
            j for dy in (-1, 0, 1) for dx in (-1, 0, 1) for j in grid.get((gy + dy, gx + dx), [])
        ]
        for i in members:
            for j in near:
                if j > i and distance_m(*points[i][1:3], *points[j][1:3]) <= radius_m:
                    parent[find(i)] = find(j)
    groups: dict[int, set[str]] = {}
    for i, point in enumerate(points):
        groups.setdefault(find(i), set()).add(point[0])
    return {frozenset(g) for g in groups.values()}


def places(clusters: list[Cluster]) -> set[frozenset[str]]:
    return {frozenset(c.paths) for c in clusters}


def scatter(
    rng: random.Random, centre: tuple[float, float], count: int, spread_m: float
) -> list[Point]:
    """``count`` points within ``spread_m`` of ``centre``, with dates."""
    lat0, lon0 = centre
    out = []
    for _ in range(count):
        bearing, reach = rng.uniform(0, 2 * math.pi), spread_m * math.sqrt(rng.random())
        dlat = math.degrees(reach * math.cos(bearing) / EARTH_RADIUS_M)
        dlon = math.degrees(reach * math.sin(bearing) / EARTH_RADIUS_M) / max(
            math.cos(math.radians(lat0)), 1e-6
        )
        lon = (lon0 + dlon + 180) % 360 - 180
        out.append((f"p{rng.random():.12f}", max(-90.0, min(90.0, lat0 + dlat)), lon, None))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_same_places_as_comparing_every_pair(seed: int) -> None:
    rng = random.Random(seed)
    points: list[Point] = []
    for _ in range(rng.randint(1, 8)):  # clumps of every density, some touching, some not
        centre = (rng.uniform(-60, 60), rng.uniform(-179, 179))
        points += scatter(rng, centre, rng.randint(1, 60), rng.choice([20, 150, 400, 2_000]))
    rng.shuffle(points)
    found = places(cluster_points(points))
    assert found == pairwise_places(points)
    before = previous_places(points)  # never joined photos that are not one place
    assert all(any(place <= now for now in found) for place in before)


def test_same_places_as_before_where_the_old_grid_was_right() -> None:
    """The old grid measured each point's longitude cell at its own latitude, so far from the
    prime meridian two photos 100 m apart could land two cells apart and never be compared.
    Near it, both agree, clump for clump."""
    rng = random.Random(3)
    points: list[Point] = []
    for _ in range(6):
        points += scatter(rng, (rng.uniform(-50, 50), rng.uniform(-2, 2)), 50, 300)
    assert places(cluster_points(points)) == previous_places(points) == pairwise_places(points)


@pytest.mark.parametrize("centre", [(89.9995, 0.0), (-89.9999, 45.0), (10.0, 179.9995), (0.0, 0.0)])
def test_poles_and_the_antimeridian(centre: tuple[float, float]) -> None:
    """Where the old latitude/longitude grid could split a place, the 3-D grid cannot."""
    points = scatter(random.Random(7), centre, 80, 300)
    assert places(cluster_points(points)) == pairwise_places(points)


def test_chain_of_photos_is_one_place_and_a_gap_splits_it() -> None:
    step = math.degrees(140 / EARTH_RADIUS_M)  # 140 m apart: each within 150 m of the next
    walk = [(f"w{i}", 40.0 + i * step, -74.0, f"2026:05:0{i} 09:00:00") for i in range(10)]
    far = [("far", 40.0 + 9 * step + math.degrees(160 / EARTH_RADIUS_M), -74.0, None)]
    clusters = cluster_points(walk + far)
    assert [c.count for c in clusters] == [10, 1]
    assert clusters[0].likely_home_or_work and not clusters[1].likely_home_or_work


def afternoon(count: int, centre: tuple[float, float], day: str = "2026:05:01") -> list[Point]:
    """``count`` photos a few metres apart, one a minute and a half after another."""
    return [
        (f"{day}-{i}", centre[0] + i * 1e-5, centre[1], f"{day} 14:{i * 3 // 2:02d}:00")
        for i in range(count)
    ]


def test_one_afternoon_is_a_visit_not_a_home() -> None:
    """Five photos within twelve minutes are one place, but nothing says anyone returns there."""
    (visit,) = cluster_points(afternoon(9, (40.0, -74.0)))
    assert visit.count == 9 and visit.days == 1 and not visit.likely_home_or_work


def test_three_distinct_days_make_a_place_returned_to() -> None:
    centre = (40.0, -74.0)
    two = afternoon(5, centre, "2026:05:01") + afternoon(5, centre, "2026:06:11")
    (place,) = cluster_points(two)
    assert place.days == 2 and not place.likely_home_or_work
    third = [("x", centre[0], centre[1], "2026-07-04T08:00:00+02:00")]  # XMP/video form
    (place,) = cluster_points(two + third)
    assert place.days == 3 and place.likely_home_or_work
    assert place.to_dict()["days"] == 3


def test_a_known_home_nearby_is_enough_and_far_from_it_is_not() -> None:
    home = (40.0, -74.0)
    near = afternoon(2, (home[0] + 0.002, home[1]))  # about 220 m from the address
    far = afternoon(6, (home[0] + 0.004, home[1]))  # about 450 m: another place
    by_count = cluster_points(near + far, home=home)
    assert [c.count for c in by_count] == [6, 2]
    assert not by_count[0].likely_home_or_work and by_count[1].likely_home_or_work
    assert by_count[1].distance_to_home_m is not None and by_count[1].distance_to_home_m < 300


def test_only_the_places_returned_to_most_are_called_home_or_work() -> None:
    points: list[Point] = []
    for place in range(5):  # five places, each on three days, the first the fullest
        for day in ("2026:01:01", "2026:02:02", "2026:03:03"):
            points += afternoon(6 - place, (10.0 + place, 20.0), day)
    points += afternoon(40, (-10.0, -20.0))  # the largest place: one busy afternoon
    clusters = cluster_points(points)
    assert [c.count for c in clusters] == [40, 18, 15, 12, 9, 6]
    assert [c.likely_home_or_work for c in clusters] == [False, True, True, True, False, False]


@pytest.mark.parametrize(
    ("taken", "day"),
    [
        ("2026:05:01 12:00:00", "2026-05-01"),
        ("2026-05-01T12:00:00Z", "2026-05-01"),
        ("20260501", "2026-05-01"),
        ("0000:00:00 00:00:00", None),
        ("", None),
        (None, None),
        ("May 1st", None),
    ],
)
def test_day_of_reads_the_date_forms_cameras_write(taken: str | None, day: str | None) -> None:
    assert day_of(taken) == day


def test_thousands_of_photos_at_home_are_one_place() -> None:
    points = scatter(random.Random(1), (30.27, -97.74), 3_000, 40)
    (home,) = cluster_points(points, home=(30.27, -97.74))
    assert home.count == 3_000 and home.distance_to_home_m is not None
    assert home.distance_to_home_m < 5
