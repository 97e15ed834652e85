"""``strip.verify_clean`` on each way a cleaned copy can be wrong, with the sentence a person
reads (issue 29's mutation run: each test here was written for a change to the verifier that
the strip tests let through). A copy the verifier passes replaces nothing until it is clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from helpers.photos import jpeg, picture, save, srgb_icc
from lowprofile.errors import StripError
from lowprofile.metadata.cleaning import Source, StripOptions, Walked
from lowprofile.metadata.reader import read_from
from lowprofile.metadata.sniff import sniff
from lowprofile.metadata.strip import WALKERS, verify_clean


def _source(path: Path) -> Source[Walked]:
    data = path.read_bytes()
    kind = sniff(data[:32])
    assert kind is not None
    return Source(data, kind, read_from(data, str(path), kind), WALKERS[kind](data, original=True))


def _plain_jpeg(path: Path, image: Image.Image | None = None, **kwargs: object) -> Path:
    (image or picture()).save(path, format="JPEG", quality=90, **kwargs)
    return path


def _refused(candidate: Path, source: Source[Walked] | None, **kwargs: object) -> str:
    original = kwargs.pop("original", None)
    with pytest.raises(StripError) as caught:
        verify_clean(candidate, source, StripOptions(**kwargs), original)  # type: ignore[arg-type]
    return str(caught.value)


def test_a_copy_that_is_no_image_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "a.jpg"
    text.write_text("not a picture", encoding="utf-8")
    assert _refused(text, None) == "the cleaned file is not recognisable as an image"


def test_a_copy_of_another_kind_is_refused(tmp_path: Path) -> None:
    source = _source(_plain_jpeg(tmp_path / "a.jpg"))
    png = save(tmp_path / "b.png", "PNG")
    assert _refused(png, source) == "the cleaned file reads as png, not jpeg"


def test_everything_left_is_named(tmp_path: Path) -> None:
    left = _refused(jpeg(tmp_path / "a.jpg"), None)
    assert left == "the cleaned file still holds: gps, serial_number, names, xmp"


def test_a_copy_that_does_not_read_back_is_refused(tmp_path: Path) -> None:
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(jpeg(tmp_path / "a.jpg").read_bytes()[:200])
    assert _refused(cut, None) == (
        "the cleaned file does not read back: segment 0xE1 runs past the end of the file"
    )


def test_a_copy_that_lost_its_colour_profile_is_refused(tmp_path: Path) -> None:
    source = _source(_plain_jpeg(tmp_path / "a.jpg", icc_profile=srgb_icc()))
    bare = _plain_jpeg(tmp_path / "b.jpg")
    assert _refused(bare, source) == "the cleaned file lost its colour profile"


def test_a_copy_that_turned_the_picture_is_refused(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    source = _source(_plain_jpeg(tmp_path / "a.jpg", exif=exif))
    upright = _plain_jpeg(tmp_path / "b.jpg")
    assert _refused(upright, source) == "the cleaned file would not display the same way up"


def test_a_copy_with_other_image_data_is_refused(tmp_path: Path) -> None:
    source = _source(_plain_jpeg(tmp_path / "a.jpg"))
    other = _plain_jpeg(tmp_path / "b.jpg", picture().rotate(180))
    assert _refused(other, source) == "the cleaned file's image data differs from the original's"


def test_a_kind_without_a_lossless_walk_is_checked_for_what_it_holds_only(tmp_path: Path) -> None:
    gif = save(tmp_path / "a.gif", "GIF")
    verify_clean(gif, None, StripOptions())  # a re-encoded GIF: read back, nothing left
    source = Source(gif.read_bytes(), "gif", read_from(gif.read_bytes(), str(gif), "gif"), None)
    assert _refused(gif, source) == "no lossless check for gif"  # type: ignore[arg-type]


def test_pixels_are_compared_only_when_asked_and_with_an_original(tmp_path: Path) -> None:
    cleaned = _plain_jpeg(tmp_path / "a.jpg")
    other = _plain_jpeg(tmp_path / "b.jpg", picture().rotate(180))
    verify_clean(cleaned, None, StripOptions(), other)  # not asked: not decoded
    verify_clean(cleaned, None, StripOptions(verify_pixels=True))  # no original to compare
    assert _refused(cleaned, None, verify_pixels=True, original=other) == (
        "the cleaned file's pixels differ from the original's"
    )
    broken = tmp_path / "c.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xd9")
    assert _refused(cleaned, None, verify_pixels=True, original=broken).startswith(
        "the cleaned file does not decode: "
    )


def test_a_png_exif_chunk_is_allowed_only_as_strips_own_orientation(tmp_path: Path) -> None:
    """The eXIf chunk strip writes holds Orientation alone; one holding anything else (here the
    camera's make and model, which the reader does not call identifying) is refused."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "ExampleCam", "Model 1"
    png = tmp_path / "a.png"
    picture().save(png, format="PNG", exif=exif)
    assert _refused(png, None) == "the cleaned file still has a eXIf chunk"


def test_a_segment_slipped_between_the_copys_scans_is_refused(tmp_path: Path) -> None:
    """The copy is ours, so its scans are compared as they stand: a comment (here holding a
    place) between two scans of a progressive JPEG is a difference, not something the check may
    clean away first. (Issue 29's mutation run: walking the copy as an original let it pass.)"""
    original = _plain_jpeg(tmp_path / "p.jpg", progressive=True)
    data = original.read_bytes()
    first = data.index(b"\xff\xda")
    second = data.index(b"\xff\xda", first + 2)  # the second scan's header
    note = b"near 37.7749,-122.4194"
    comment = b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note
    slipped = tmp_path / "slipped.jpg"
    slipped.write_bytes(data[:second] + comment + data[second:])
    source = _source(original)
    verify_clean(original, source, StripOptions())  # the untouched file passes
    assert _refused(slipped, source) == "the cleaned file's image data differs from the original's"
