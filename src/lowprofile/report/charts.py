"""The geometry of the HTML report's pictures: a score gauge, a map of photo places, findings by
severity and kind, and the score over time.

Every coordinate here is a float this module computed; nothing from a report is ever copied into
an SVG attribute. Values read from a report (a photo's latitude, a score from the history) go
through ``finite`` first, so a string, a NaN or an out-of-range number is dropped rather than
drawn. Text (a finding's kind, a date) leaves this module as plain ``str`` for the template to
autoescape. The pictures are drawn by the template as inline SVG: no tiles, fonts or scripts, so
the page keeps its Content-Security-Policy and reads offline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from lowprofile.results import Finding, Kind, Severity

EARTH_RADIUS_M = 6_371_008.8
NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
"""Ring spacings people read at a glance: 1, 2, 2.5 and 5 times a power of ten."""
LOCAL_M = 50_000.0
"""Photo places farther than this from the centre (a holiday, a move) would squash the nearby
ones into a dot, so the rings are sized for the nearby places and the far ones sit on the edge."""
MAP_SIZE = 360.0
MAP_RADIUS = 140.0
"""The outer ring's radius in SVG units, inside a square viewBox of ``MAP_SIZE``."""
MAP_LABELS = 6
"""How many places get a text label on the map (the largest); the list below names them all."""


def finite(value: Any, low: float = -math.inf, high: float = math.inf) -> float | None:
    """A report's number as a float we may draw, or None: bools, strings and NaN are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        return None
    return number


def distance_text(metres: float) -> str:
    """``120 m``, ``2.5 km``, ``40 km``: rounded the way a person would say it."""
    if metres < 1000:
        return f"{metres:.0f} m"
    km = metres / 1000
    return f"{km:.1f} km".replace(".0 km", " km") if km < 10 else f"{km:,.0f} km"


# --- the gauge -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gauge:
    """A half circle of radius 50 centred at (60, 60), filled from the left up to the score."""

    end_x: float
    end_y: float
    ticks: tuple[tuple[float, float, float, float], ...]
    """(x1, y1, x2, y2) of the marks at 0, 25, 50, 75 and 100."""


def gauge(score: int) -> Gauge:
    def at(value: float, radius: float) -> tuple[float, float]:
        angle = math.pi * (1 - value / 100)
        return 60 + radius * math.cos(angle), 60 - radius * math.sin(angle)

    value = max(0, min(100, int(score)))
    end = at(value, 50)
    ticks = tuple((*at(t, 40), *at(t, 44)) for t in (0, 25, 50, 75, 100))
    return Gauge(end[0], end[1], ticks)


# --- the map of photo places ---------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where photos were taken: one cluster, or one photo that belongs to none."""

    lat: float
    lon: float
    photos: int
    likely_home: bool
    first: str
    last: str


def _point(source: dict[str, Any]) -> tuple[float, float] | None:
    lat, lon = finite(source.get("lat"), -90, 90), finite(source.get("lon"), -180, 180)
    return (lat, lon) if lat is not None and lon is not None else None


def _place(evidence: dict[str, Any]) -> tuple[Place, bool] | None:
    """The place of one photo finding, and whether it is a cluster's: the cluster's centre and
    count when the evidence carries a usable cluster, else the photo's own position."""
    cluster = evidence.get("cluster")
    if isinstance(cluster, dict) and (centre := _point(cluster)) is not None:
        photos = finite(cluster.get("photos"), 1, 10**9)
        likely = cluster.get("likely_home_or_workplace") is True
        first, last = cluster.get("first"), cluster.get("last")
        return Place(*centre, int(photos or 1), likely, str(first or ""), str(last or "")), True
    own = _point(evidence)
    if own is None:
        return None
    taken = str(evidence.get("taken") or "")
    return Place(*own, 1, False, taken, taken), False


def photo_places(findings: Iterable[Finding]) -> list[Place]:
    """The distinct places of the photo-location findings, most photos first. A cluster is named
    by each of its photos' findings: it is kept once."""
    places: dict[tuple[float, float], Place] = {}
    lone: set[tuple[float, float]] = set()
    for finding in findings:
        if finding.kind != Kind.PHOTO_LOCATION or not isinstance(finding.evidence, dict):
            continue
        found = _place(finding.evidence)
        if found is None:
            continue
        place, clustered = found
        key = (round(place.lat, 5), round(place.lon, 5))
        seen = places.get(key)
        if seen is None:
            places[key] = place
            if not clustered:
                lone.add(key)
        elif key in lone and not clustered:
            # photos outside any cluster taken at the same spot: that many photos there
            dates = [d for d in (seen.first, seen.last, place.first) if d]
            first, last = min(dates, default=""), max(dates, default="")
            places[key] = Place(seen.lat, seen.lon, seen.photos + 1, False, first, last)
    return sorted(places.values(), key=lambda p: -p.photos)


def distance_and_bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
    """Great-circle metres and the initial bearing (radians, clockwise from north) from point 1
    to point 2: an azimuthal equidistant map, so every ring is a true distance from the centre."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    metres = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
    bearing = math.atan2(
        math.sin(dl) * math.cos(p2),
        math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl),
    )
    return metres, bearing


def ring_step(metres: float) -> float:
    """The smallest nice spacing whose third ring reaches ``metres`` (at least 25 m)."""
    need = max(metres, 75.0) / 3
    power = 10 ** math.floor(math.log10(need))
    for base in (*NICE_STEPS, 10.0):
        if base * power >= need:
            return base * power
    return 10 * power  # pragma: no cover - the loop's last step always fits


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    r: float
    photos: int
    likely_home: bool
    far: bool
    label: str
    """Ours: a count and a distance, e.g. "4 photos · 120 m"."""
    label_x: float
    label_y: float
    shown: bool
    """Whether the label is drawn on the map (the largest places only)."""
    words: str
    """The sentence for the list under the map."""


@dataclass(frozen=True)
class Ring:
    r: float
    label: str
    label_x: float
    label_y: float
    """Below and right of the centre, on the ring, where photo labels rarely are."""


@dataclass(frozen=True)
class ClusterMap:
    size: float
    centre: float
    centre_label: str
    home_known: bool
    rings: tuple[Ring, ...]
    points: tuple[MapPoint, ...]
    scale_x1: float
    scale_x2: float
    scale_y: float
    scale_label: str
    far: int


def _dates(first: str, last: str) -> str:
    """A place's photos span days: "1 Jan 2026 to 5 May 2026" (one photo keeps its time)."""
    start, end = readable_date(first), readable_date(last)
    if end and end != start:
        start, end = start.split(", ")[0], end.split(", ")[0]
    if not start:
        return ""
    return start if not end or end == start else f"{start} to {end}"


def cluster_map(
    findings: Iterable[Finding], home: tuple[float, float] | None = None
) -> ClusterMap | None:
    """The photo places around home (or, when the report does not know home, around the place
    the scan thought most likely home, else the one with most photos); None without places."""
    places = photo_places(findings)
    home_point = None
    if home is not None:
        lat, lon = finite(home[0], -90, 90), finite(home[1], -180, 180)
        home_point = (lat, lon) if lat is not None and lon is not None else None
    if not places:
        return None
    if home_point is not None:
        centre, centre_label = home_point, "home"
    else:
        likely = [p for p in places if p.likely_home]
        chosen = likely[0] if likely else places[0]
        centre = (chosen.lat, chosen.lon)
        centre_label = "likely home or work (from photos)" if likely else "place with most photos"
    measured = [(p, *distance_and_bearing(*centre, p.lat, p.lon)) for p in places]
    local = [d for _, d, _ in measured if d <= LOCAL_M]
    step = ring_step(max(local) if local else max(d for _, d, _ in measured))
    outer = 3 * step
    scale = MAP_RADIUS / outer
    mid = MAP_SIZE / 2
    points = []
    for index, (place, metres, bearing) in enumerate(measured):
        far = metres > outer
        r_px = MAP_RADIUS + 10 if far else metres * scale
        x = mid + r_px * math.sin(bearing)
        y = mid - r_px * math.cos(bearing)
        size = min(14.0, 3.5 + 2.2 * math.sqrt(place.photos))
        count = f"{place.photos} photo{'s' if place.photos != 1 else ''}"
        label = f"{count} · {distance_text(metres)}"
        where = f"{distance_text(metres)} from the {centre_label}" if metres >= 1 else "here"
        extra = ", looks like home or work" if place.likely_home else ""
        when = _dates(place.first, place.last)
        words = f"{count}, {where}{extra}" + (f", {when}" if when else "")
        left = x > mid + 60
        points.append(
            MapPoint(
                x=x,
                y=y,
                r=size,
                photos=place.photos,
                likely_home=place.likely_home,
                far=far,
                label=label,
                label_x=x - size - 3 if left else x + size + 3,
                label_y=y + 4,
                shown=index < MAP_LABELS,
                words=words,
            )
        )
    rings = tuple(
        Ring(
            r=k * step * scale,
            label=distance_text(k * step),
            label_x=mid + k * step * scale * math.sqrt(0.5) + 3,
            label_y=mid + k * step * scale * math.sqrt(0.5) + 12,
        )
        for k in (1, 2, 3)
    )
    return ClusterMap(
        size=MAP_SIZE,
        centre=mid,
        centre_label=centre_label,
        home_known=home_point is not None,
        rings=rings,
        points=tuple(points),
        scale_x1=12.0,
        scale_x2=12.0 + step * scale,
        scale_y=MAP_SIZE - 12,
        scale_label=distance_text(step),
        far=sum(1 for p in points if p.far),
    )


# --- findings by severity and kind ---------------------------------------------------------

KIND_WORDS = {
    Kind.BROKER_LISTING: "people-search listings",
    Kind.BREACH: "data breaches",
    Kind.PASTE: "pastes",
    Kind.PHOTO_LOCATION: "photo locations",
    Kind.PHOTO_IDENTITY: "names or serials in photos",
    Kind.ACCOUNT: "accounts",
}
BAR_LABEL_WIDTH = 165.0
BAR_WIDTH = 175.0
BAR_ROW = 26.0
MAX_LABEL = 30


@dataclass(frozen=True)
class Segment:
    severity: str
    """A ``Severity`` value: the template builds a class name from it."""
    x: float
    width: float
    count: int


@dataclass(frozen=True)
class BarRow:
    label: str
    y: float
    text_y: float
    total: int
    total_x: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Bars:
    width: float
    height: float
    rows: tuple[BarRow, ...]
    legend: tuple[tuple[str, int], ...]
    """(severity value, count) for every severity that occurs, worst first."""


def kind_words(kind: str) -> str:
    """A finding kind as words; a plug-in's own kind is shown as its name, shortened."""
    words = KIND_WORDS.get(kind) or kind.replace("_", " ")  # type: ignore[call-overload]
    return words if len(words) <= MAX_LABEL else words[: MAX_LABEL - 1] + "…"


def severity_bars(findings: Sequence[Finding]) -> Bars | None:
    """One stacked bar per kind of finding, worst kinds first, split by severity."""
    if not findings:
        return None
    counts: dict[str, dict[Severity, int]] = {}
    for finding in findings:
        row = counts.setdefault(finding.kind, {})
        row[finding.severity] = row.get(finding.severity, 0) + 1
    worst = sorted(
        counts.items(),
        key=lambda item: (-max(s.rank for s in item[1]), -sum(item[1].values())),
    )
    most = max(sum(row.values()) for _, row in worst)
    unit = BAR_WIDTH / most
    rows = []
    for index, (kind, row) in enumerate(worst):
        y = 6 + index * BAR_ROW
        x = BAR_LABEL_WIDTH
        segments = []
        for severity in sorted(row, key=lambda s: -s.rank):
            width = row[severity] * unit
            segments.append(Segment(severity.value, x, width, row[severity]))
            x += width
        rows.append(BarRow(kind_words(kind), y, y + 13, sum(row.values()), x + 6, tuple(segments)))
    totals = {s: sum(row.get(s, 0) for row in counts.values()) for s in Severity}
    legend = tuple((s.value, n) for s, n in sorted(totals.items(), key=lambda i: -i[0].rank) if n)
    return Bars(
        width=BAR_LABEL_WIDTH + BAR_WIDTH + 40,
        height=12 + len(rows) * BAR_ROW,
        rows=tuple(rows),
        legend=legend,
    )


# --- the score over time -------------------------------------------------------------------

TREND_WIDTH = 380.0
TREND_HEIGHT = 185.0
TREND_LEFT = 36.0
TREND_RIGHT = 360.0
TREND_TOP = 24.0
TREND_BOTTOM = 155.0
TREND_LABELS = 12
"""Up to this many points get their score written beside them; more would overlap."""


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    score: int
    when: str
    shown: bool


@dataclass(frozen=True)
class Trend:
    width: float
    height: float
    points: tuple[TrendPoint, ...]
    grid: tuple[tuple[float, int], ...]
    """(y, score) of the horizontal lines at 0, 50 and 100."""
    axis: tuple[tuple[float, str], ...]
    """(x, date) under the first and last points."""
    left: float
    right: float
    bottom: float
    change: int


def naive_utc(value: date | datetime) -> datetime:
    """A day or a time as a naive UTC time, so scans saved in any zone compare and sort."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - a day, no zone


def trend(points: Iterable[tuple[date | datetime, Any]]) -> Trend | None:
    """The score over time from two or more (when, score) points; scores outside 0–100 or not
    integers are dropped. Time runs left to right in proportion; one day's scans are spread."""
    clean = []
    for when, score in points:
        number = finite(score, 0, 100)
        if isinstance(when, date) and number is not None and number == int(number):
            clean.append((naive_utc(when), int(number)))
    clean.sort(key=lambda item: item[0])
    if len(clean) < 2:
        return None
    start, end = clean[0][0], clean[-1][0]
    span = (end - start).total_seconds()
    width = TREND_RIGHT - TREND_LEFT
    height = TREND_BOTTOM - TREND_TOP
    out = []
    for index, (when, score) in enumerate(clean):
        share = (when - start).total_seconds() / span if span > 0 else index / (len(clean) - 1)
        x = TREND_LEFT + share * width
        y = TREND_BOTTOM - score / 100 * height
        shown = len(clean) <= TREND_LABELS or index in (0, len(clean) - 1)
        out.append(TrendPoint(x, y, score, when.strftime("%-d %b %Y"), shown))
    grid = tuple((TREND_BOTTOM - s / 100 * height, s) for s in (0, 50, 100))
    axis = ((out[0].x, out[0].when), (out[-1].x, out[-1].when))
    return Trend(
        width=TREND_WIDTH,
        height=TREND_HEIGHT,
        points=tuple(out),
        grid=grid,
        axis=axis,
        left=TREND_LEFT,
        right=TREND_RIGHT,
        bottom=TREND_BOTTOM,
        change=out[-1].score - out[0].score,
    )


# --- dates people read ---------------------------------------------------------------------

_DATE_FORMATS = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def readable_date(value: Any) -> str:
    """``2026:05:01 12:00:00`` (EXIF) or ``2019-05-01`` as "1 May 2026, 12:00" or "1 May 2019";
    anything else is returned as it came (the template escapes it)."""
    text = str(value or "").strip()
    for pattern in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text[: len(datetime(2000, 1, 1).strftime(pattern))], pattern)
        except ValueError:
            continue
        day = f"{parsed.day} {parsed.strftime('%b %Y')}"
        return day if "%H" not in pattern else f"{day}, {parsed:%H:%M}"
    return text
