"""GPS signs in every hemisphere, on photos made here (no shared data needed).

A reader that ignores GPSLatitudeRef or GPSLongitudeRef puts a house in Santiago in the sea off
Shanghai: the near-home check then misses it, and the report shows the wrong place. Only the
shared samples caught that until now, so a run without them could not.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PIL import Image

from helpers.photos import exif_block, picture
from lowprofile.metadata.reader import read_metadata
from lowprofile.metadata.strip_plan import strip_file

GPS_IFD = 0x8825
PLACES = [
    pytest.param(-33.8568, -70.6483, "S", "W", id="santiago-south-west"),
    pytest.param(-33.8568, 151.2153, "S", "E", id="sydney-south-east"),
    pytest.param(40.6892, -74.0445, "N", "W", id="new-york-north-west"),
    pytest.param(35.6586, 139.7454, "N", "E", id="tokyo-north-east"),
]


def photo(path: Path, lat: float, lon: float) -> Path:
    """A JPEG whose only location is its Exif GPS: the degrees unsigned, the sign in the refs."""
    picture().save(path, format="JPEG", exif=exif_block(gps=(lat, lon)), quality=90)
    return path


@pytest.mark.parametrize(("lat", "lon", "lat_ref", "lon_ref"), PLACES)
def test_the_photo_says_its_hemisphere_only_in_the_refs(
    tmp_path: Path, lat: float, lon: float, lat_ref: str, lon_ref: str
) -> None:
    """The test's own premise, read with Pillow: unsigned degrees, the sign in the refs."""
    with Image.open(photo(tmp_path / "p.jpg", lat, lon)) as image:
        gps = image.getexif().get_ifd(GPS_IFD)
    assert (gps[1], gps[3]) == (lat_ref, lon_ref)
    assert float(gps[2][0]) == math.floor(abs(lat)) and float(gps[4][0]) == math.floor(abs(lon))


@pytest.mark.parametrize(("lat", "lon", "lat_ref", "lon_ref"), PLACES)
def test_gps_is_read_with_its_sign_and_stripped(
    tmp_path: Path, lat: float, lon: float, lat_ref: str, lon_ref: str
) -> None:
    original = photo(tmp_path / "p.jpg", lat, lon)
    meta = read_metadata(original)
    assert meta is not None and meta.gps is not None and meta.gps.source == "exif"
    assert meta.gps.lat == pytest.approx(lat, abs=1e-4)
    assert meta.gps.lon == pytest.approx(lon, abs=1e-4)

    outcome = strip_file(original)
    assert outcome.cleaned, outcome.error
    cleaned = Path(outcome.output or "")
    after = read_metadata(cleaned)
    assert after is not None and after.gps is None and "gps" not in after.exposed
    with Image.open(cleaned) as image:  # checked by a reader other than ours
        assert image.getexif().get_ifd(GPS_IFD) == {}
