"""The report's pictures: geometry computed from numbers only, with photo places built the way the
photo checker builds them (real clusters from ``metadata.clusters``)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from helpers.pictures import (
    HOME,
    TREND,
    photo_findings,
    pictured_report,
)
from helpers.records import PERSON
from helpers.sample import sample_report
from lowprofile.cli.main import app
from lowprofile.pipeline import Outputs, deliver
from lowprofile.report import charts
from lowprofile.report.html import number, render_html
from lowprofile.results import Finding, ScanReport
from lowprofile.store import Store, history_path


def test_a_cluster_is_one_place_with_its_photo_count() -> None:
    places = charts.photo_places(photo_findings())
    assert [p.photos for p in places] == [5, 2, 1, 1]
    assert places[0].likely_home and not places[1].likely_home
    assert places[0].first == "2026:01:01 18:00:00" and places[0].last == "2026:05:05 18:00:00"


def test_map_is_centred_on_home_with_true_distances() -> None:
    shown = charts.cluster_map(photo_findings(), HOME)
    assert shown is not None and shown.home_known and shown.centre_label == "home"
    step = charts.ring_step(math.hypot(9000, 6000))
    assert [r.label for r in shown.rings] == [charts.distance_text(k * step) for k in (1, 2, 3)]
    scale = charts.MAP_RADIUS / (3 * step)
    lake = next(p for p in shown.points if p.label == "1 photo · 11 km")
    assert lake.x == pytest.approx(shown.centre - 6000 * scale, abs=1.5)
    assert lake.y == pytest.approx(shown.centre - 9000 * scale, abs=1.5)
    home_cluster = shown.points[0]
    assert home_cluster.likely_home and home_cluster.words.startswith("5 photos, 8")
    assert "from the home, looks like home or work, 1 Jan 2026 to 5 May 2026" in (
        home_cluster.words
    )
    assert home_cluster.r > shown.points[2].r  # more photos, a bigger dot
    assert shown.scale_x2 - shown.scale_x1 == pytest.approx(step * scale)


def test_a_far_place_sits_on_the_edge_and_does_not_shrink_the_rest() -> None:
    shown = charts.cluster_map(photo_findings(), HOME)
    assert shown is not None and shown.far == 1
    paris = next(p for p in shown.points if p.far)
    assert "8," in paris.label and paris.label.endswith("km")  # about 8,200 km
    edge = math.hypot(paris.x - shown.centre, paris.y - shown.centre)
    assert edge == pytest.approx(charts.MAP_RADIUS + 10)
    assert paris.x > shown.centre and paris.y < shown.centre  # north-east of Austin
    assert shown.rings[-1].label == "15 km"


def test_without_home_the_map_centres_on_the_likely_home() -> None:
    shown = charts.cluster_map(photo_findings(None))
    assert shown is not None and not shown.home_known
    assert shown.centre_label == "likely home or work (from photos)"
    assert (shown.points[0].x, shown.points[0].y) == (shown.centre, shown.centre)
    lone = [f for f in photo_findings(None) if "cluster" not in f.evidence]
    plain = charts.cluster_map(lone)
    assert plain is not None and plain.centre_label == "place with most photos"


@pytest.mark.parametrize(
    "bad", ['1" onload="x', float("nan"), float("inf"), True, None, 91.0, [1, 2], {"a": 1}]
)
def test_a_bad_coordinate_is_dropped_not_drawn(bad: Any) -> None:
    good = photo_findings()[-2]  # the lake, no cluster
    broken = Finding(
        kind="photo_location", title="t", where="/p/x.jpg", evidence={"lat": bad, "lon": -97.7}
    )
    bad_cluster = Finding(
        kind="photo_location",
        title="t",
        where="/p/y.jpg",
        evidence={"lat": 30.1, "lon": -97.7, "cluster": {"lat": bad, "lon": 1.0, "photos": "9"}},
    )
    places = charts.photo_places([good, broken, bad_cluster])
    assert [(p.lat, p.photos) for p in places] == [(good.evidence["lat"], 1), (30.1, 1)]
    assert charts.cluster_map([broken]) is None
    assert charts.cluster_map([good], (bad, 1.0)) is not None  # a bad home: centre on photos


def test_ring_steps_are_nice_and_reach_the_farthest_place() -> None:
    for metres in (0.0, 40.0, 100.0, 999.0, 12_345.0, 49_999.0):
        step = charts.ring_step(metres)
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1.0, 2.0, 2.5, 5.0)
        assert 3 * step >= metres and 3 * step < max(metres, 75.0) * 3
    assert charts.ring_step(100.0) == 50.0
    assert charts.distance_text(120.4) == "120 m" and charts.distance_text(2500) == "2.5 km"
    assert charts.distance_text(3000) == "3 km" and charts.distance_text(8_200_000) == "8,200 km"


def test_gauge_runs_along_the_half_circle() -> None:
    assert (charts.gauge(0).end_x, charts.gauge(0).end_y) == pytest.approx((10, 60))
    assert (charts.gauge(50).end_x, charts.gauge(50).end_y) == pytest.approx((60, 10))
    assert (charts.gauge(100).end_x, charts.gauge(100).end_y) == pytest.approx((110, 60))
    assert charts.gauge(250) == charts.gauge(100) and len(charts.gauge(3).ticks) == 5


def test_bars_count_each_kind_by_severity_worst_first() -> None:
    bars = charts.severity_bars(sample_report().findings)
    assert bars is not None
    labels = [row.label for row in bars.rows]
    assert labels[0] == "people-search listings" and "social profile" in labels
    listings = bars.rows[0]
    assert [(s.severity, s.count) for s in listings.segments] == [("high", 2), ("medium", 1)]
    unit = charts.BAR_WIDTH / 3
    assert listings.segments[0].width == pytest.approx(2 * unit)
    assert listings.segments[1].x == pytest.approx(charts.BAR_LABEL_WIDTH + 2 * unit)
    assert dict(bars.legend) == {"high": 5, "medium": 4}
    assert charts.severity_bars([]) is None
    assert len(charts.kind_words("x" * 200)) == charts.MAX_LABEL


def test_trend_places_time_and_score_on_the_axes() -> None:
    points = [
        (datetime(2026, 1, 1, tzinfo=UTC), 80),
        (datetime(2026, 1, 11, tzinfo=UTC), 40),
        (datetime(2026, 1, 21, tzinfo=UTC), 100),
        (datetime(2026, 1, 5, tzinfo=UTC), "90"),  # not a number: dropped
        (datetime(2026, 1, 6, tzinfo=UTC), 101),
        (datetime(2026, 1, 7, tzinfo=UTC), 55.5),
        ("2026-01-08", 50),
    ]
    shown = charts.trend(reversed(points))
    assert shown is not None and [p.score for p in shown.points] == [80, 40, 100]
    first, middle, last = shown.points
    assert (first.x, last.x) == (charts.TREND_LEFT, charts.TREND_RIGHT)
    assert middle.x == pytest.approx((charts.TREND_LEFT + charts.TREND_RIGHT) / 2)
    assert last.y == charts.TREND_TOP and middle.y > first.y  # lower score, lower on the page
    assert shown.change == 20 and shown.axis[0][1] == "1 Jan 2026"
    assert charts.trend([(date(2026, 1, 1), 5)]) is None


def test_dates_read_as_dates() -> None:
    assert charts.readable_date("2026:05:01 12:00:00") == "1 May 2026, 12:00"
    assert charts.readable_date("2019-05-01") == "1 May 2019"
    assert charts.readable_date("2019-05-01T08:30:00+00:00") == "1 May 2019, 08:30"
    assert charts.readable_date("<b>soon</b>") == "<b>soon</b>"


def test_only_numbers_reach_svg_attributes() -> None:
    assert number(12.345) == "12.3" and number(7) == "7" and number(60.0) == "60"
    for bad in ("12", '1" onload="x', float("nan"), True, None):
        with pytest.raises(TypeError):
            number(bad)


def test_page_draws_the_four_pictures() -> None:
    report = pictured_report()
    tree = lxml_html.fromstring(render_html(report, trend=TREND, home=HOME))
    classes = [svg.get("class") for svg in tree.xpath("//svg")]
    assert classes == ["gauge", "bars", "trend", "places"]
    trend = tree.xpath("//svg[@class='trend']")[0]
    assert len(trend.xpath(".//circle")) == 3
    score = report.to_dict()["risk"]["score"]
    assert [t.text for t in trend.xpath(".//text[@class='value']")] == ["71", "64", str(score)]
    places = tree.xpath("//svg[@class='places']")[0]
    assert len(places.xpath(".//circle[contains(@class,'place')]")) == 4
    assert len(places.xpath(".//circle[@class='ring']")) == 3
    assert places.xpath(".//g[@class='home']/text")[0].text == "home"
    for svg in tree.xpath("//svg"):
        for el in svg.iter():
            for name, value in el.attrib.items():
                if name in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height"):
                    assert math.isfinite(float(value)), (el.tag, name, value)


def test_trend_takes_only_earlier_scans_and_this_one_once() -> None:
    report = pictured_report()
    score = report.to_dict()["risk"]["score"]
    history = [*TREND, (report.started, score), (datetime(2027, 1, 1, tzinfo=UTC), 3)]
    tree = lxml_html.fromstring(render_html(report, trend=history))
    values = [t.text for t in tree.xpath("//svg[@class='trend']//text[@class='value']")]
    assert values == ["71", "64", str(score)]
    alone = lxml_html.fromstring(render_html(report))
    assert alone.xpath("//svg[@class='trend']") == []  # one scan is no trend


def test_findings_read_as_sentences() -> None:
    tree = lxml_html.fromstring(render_html(sample_report()))
    rows = [
        " ".join(tr.text_content().split()) for tr in tree.xpath("//table[@class='findings']//tr")
    ]
    adobe = next(r for r in rows if r.startswith("high") and "Adobe breach" in r)
    assert "Breached 1 May 2019." in adobe
    assert "Seen at https://adobe.example/ (found by xposedornot)" in adobe
    assert "The breach service matched the email address you gave." in adobe
    spokeo = next(r for r in rows if "spokeo lists" in r)
    assert spokeo.endswith("Name and city match; age 42 fits birth year 1984.")
    photo = next(r for r in rows if "IMG_1.jpg" in r)
    assert "Taken 1 May 2026, 12:00." in photo and "See the place on a map" in photo
    links = tree.xpath("//table[@class='findings']//a[text()='See the place on a map']/@href")
    assert links and all(h.startswith("https://www.openstreetmap.org/") for h in links)
    social = next(r for r in rows if "public profile" in r)
    assert social.endswith("No reason given: check it yourself.")


def _at(report: ScanReport, when: datetime) -> ScanReport:
    report.started = report.finished = when
    return report


def _other_person() -> ScanReport:
    report = _at(sample_report(), datetime(2026, 10, 1, tzinfo=UTC))
    report.subject = {**report.subject, "names": ["S*** R**"]}
    return report


def test_report_and_scan_draw_the_history_of_the_same_subject(tmp_path: Path) -> None:
    """`lowprofile report latest --html` and `scan --html` (through ``deliver``) both pass the
    stored scores of earlier scans of the same subject; another person's scans are left out."""
    with Store() as store:
        store.save(_at(sample_report(), datetime(2026, 8, 1, tzinfo=UTC)), PERSON)
        store.save(_other_person(), PERSON)
        store.save(_at(pictured_report(), datetime(2026, 9, 1, tzinfo=UTC)), PERSON)
        store.save(_at(sample_report(), datetime(2026, 10, 1, 9, tzinfo=UTC)), PERSON)
        latest = store.load(store.resolve("latest", None))
    sample_score = sample_report().to_dict()["risk"]["score"]
    pictured_score = pictured_report().to_dict()["risk"]["score"]
    assert sample_score != pictured_score
    expected = [str(sample_score), str(pictured_score), str(sample_score)]

    out = tmp_path / "again.html"
    result = CliRunner().invoke(app, ["report", "latest", "--html", str(out)])
    assert result.exit_code == 0, result.output
    tree = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    values = [t.text for t in tree.xpath("//svg[@class='trend']//text[@class='value']")]
    assert values == expected and latest.started.month == 10

    fresh = _at(pictured_report(), datetime(2026, 11, 24, tzinfo=UTC))
    page = tmp_path / "scan.html"
    outcome = deliver(fresh, Outputs(html=page, save=False), person=PERSON, home=HOME)
    assert outcome.problems == []
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    values = [t.text for t in tree.xpath("//svg[@class='trend']//text[@class='value']")]
    assert values == [*expected, str(pictured_score)]
    assert tree.xpath("//svg[@class='places']//g[@class='home']/text")[0].text == "home"


def test_without_a_history_there_is_no_trend_and_no_history_file(tmp_path: Path) -> None:
    page = tmp_path / "first.html"
    deliver(sample_report(), Outputs(html=page, save=False), person=PERSON)
    assert 'class="trend"' not in page.read_text(encoding="utf-8")
    assert not history_path().exists()


def test_a_broken_history_costs_the_trend_not_the_report(tmp_path: Path) -> None:
    history_path().parent.mkdir(parents=True, exist_ok=True)
    history_path().write_bytes(b"not a database at all" * 100)
    page = tmp_path / "r.html"
    outcome = deliver(sample_report(), Outputs(html=page, save=False), person=PERSON)
    assert ("HTML report", str(page)) in outcome.written
    assert 'class="trend"' not in page.read_text(encoding="utf-8")
