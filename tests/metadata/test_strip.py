"""Lossless stripping: nothing identifying left, same pixels, originals untouched, fail closed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from lowprofile.metadata.containers import jpeg_segments
from lowprofile.metadata.reader import read_metadata
from lowprofile.metadata.strip import StripOptions, strip_file
from photos import XMP_WITH_GPS, exif_block, jpeg, save, srgb_icc


def pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.tobytes()


def strip_ok(path: Path, **kwargs: object) -> Path:
    before = path.read_bytes()
    outcome = strip_file(path, **kwargs)  # type: ignore[arg-type]
    assert outcome.cleaned, outcome.error
    assert outcome.output is not None
    out = Path(outcome.output)
    if out != path:
        assert path.read_bytes() == before, "the original changed"
    return out


def test_jpeg_lossless(tmp_path: Path) -> None:
    original = jpeg(tmp_path / "IMG_1.jpg", orientation=6)
    out = strip_ok(original)
    assert out.name == "IMG_1.clean.jpg"
    meta = read_metadata(out)
    assert meta is not None
    assert meta.identifying == []
    assert meta.orientation == 6 and meta.has_icc
    assert pixels(out) == pixels(original)
    layout = jpeg_segments(out.read_bytes())
    assert layout.problems == []  # no stray bytes left where segments were removed
    data, cleaned = original.read_bytes(), out.read_bytes()
    sos_in, sos_out = jpeg_segments(data).sos, layout.sos
    assert sos_in is not None and sos_out is not None
    assert cleaned[sos_out:] == data[sos_in : sos_in + len(cleaned) - sos_out]  # scans verbatim
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_jpeg_options_drop_orientation_and_icc(tmp_path: Path) -> None:
    original = jpeg(tmp_path / "a.jpg", orientation=3)
    options = StripOptions(keep_orientation=False, keep_icc=False)
    out = strip_ok(original, options=options, out_dir=tmp_path / "clean")
    assert out.parent == tmp_path / "clean"
    meta = read_metadata(out)
    assert meta is not None and meta.orientation is None and not meta.has_icc


def test_png_and_webp(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_WITH_GPS.decode())
    info.add_text("Author", "Jane Example")
    png = save(tmp_path / "a.png", "PNG", exif=exif_block(orientation=8), pnginfo=info)
    webp = save(tmp_path / "a.webp", "WEBP", exif=exif_block(orientation=8), xmp=XMP_WITH_GPS,
                lossless=True, icc_profile=srgb_icc())  # fmt: skip
    for original in (png, webp):
        out = strip_ok(original)
        meta = read_metadata(out)
        assert meta is not None and meta.identifying == [], original
        assert meta.orientation == 8, original
        assert pixels(out) == pixels(original)
    webp_meta = read_metadata(tmp_path / "a.clean.webp")
    assert webp_meta is not None and webp_meta.has_icc


def test_in_place_replaces_only_after_verifying(tmp_path: Path) -> None:
    original = jpeg(tmp_path / "b.jpg")
    out = strip_ok(original, in_place=True)
    assert out == original
    meta = read_metadata(original)
    assert meta is not None and meta.gps is None
    assert sorted(os.listdir(tmp_path)) == ["b.jpg"]  # no temporary file left


def test_failure_while_writing_leaves_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = jpeg(tmp_path / "c.jpg")
    before = original.read_bytes()

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    outcome = strip_file(original, in_place=True)
    assert not outcome.cleaned and "No space left" in (outcome.error or "")
    assert original.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["c.jpg"]


def test_verification_failure_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowprofile.metadata import strip

    original = jpeg(tmp_path / "d.jpg")
    monkeypatch.setitem(strip.STRIPPERS, "jpeg", lambda source, options: (source.data, []))
    outcome = strip_file(original)
    assert not outcome.cleaned
    assert "still holds" in (outcome.error or "")
    assert sorted(os.listdir(tmp_path)) == ["d.jpg"]


def test_truncated_and_garbage_are_not_cleaned(tmp_path: Path) -> None:
    data = jpeg(tmp_path / "e.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) - 200])
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe1\xff\xff garbage")
    for path in (cut, junk):
        outcome = strip_file(path)
        assert not outcome.cleaned and outcome.error
        assert not (tmp_path / f"{path.stem}.clean.jpg").exists()


def test_tiff_needs_reencode(tmp_path: Path) -> None:
    tiff = save(tmp_path / "f.tif", "TIFF")
    outcome = strip_file(tiff)
    assert not outcome.cleaned and "--reencode" in (outcome.error or "")
    outcome = strip_file(tiff, StripOptions(reencode=True))
    assert outcome.cleaned and outcome.method == "re-encoded"
    assert outcome.output is not None and outcome.output.endswith(".jpg")


def test_real_samples_strip_clean(shared_data: Path, tmp_path: Path) -> None:
    """Every real JPEG/PNG/WebP sample that has image data: cleaned and verified, or refused."""
    root = shared_data / "photos"
    entries = json.loads((root / "groundtruth.json").read_text())
    cleaned = refused = 0
    for index, entry in enumerate(entries):
        if entry["file_type"] not in ("JPEG", "PNG", "WEBP", "Extended WEBP", "MPO"):
            continue
        copy = tmp_path / f"{index}{Path(entry['file']).suffix}"
        shutil.copyfile(root / entry["file"], copy)
        outcome = strip_file(copy, StripOptions(verify_pixels=True))
        if outcome.cleaned:
            cleaned += 1
            meta = read_metadata(Path(outcome.output or ""))
            assert meta is not None and meta.identifying == [], entry["file"]
        else:
            refused += 1
            assert not (tmp_path / f"{index}.clean{copy.suffix}").exists()
    print(f"\nreal samples: {cleaned} cleaned, {refused} refused (no image data or truncated)")
    assert cleaned >= 200 and refused <= 12
    if shutil.which("exiftool"):
        found = subprocess.run(
            ["exiftool", "-q", "-q", "-if",
             "$gps:all or $xmp:all or $iptc:all or $SerialNumber or $OwnerName or $Artist",
             "-p", "$FileName", "-ext", "*", str(tmp_path)],
            capture_output=True, text=True, check=False,
        ).stdout.split()  # fmt: skip
        assert [name for name in found if ".clean." in name] == []
    else:
        print("exiftool not installed: the cleaned files were checked by our own reader only")


def test_a_changed_scan_byte_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The structural check is exact: one flipped byte of image data fails the strip."""
    from lowprofile.metadata import strip

    original = jpeg(tmp_path / "g.jpg")
    real = strip.STRIPPERS["jpeg"]

    def corrupting(source: strip.Source, options: StripOptions) -> tuple[bytes, list[str]]:
        cleaned, removed = real(source, options)
        flipped = bytearray(cleaned)
        flipped[-10] ^= 0x01
        return bytes(flipped), removed

    monkeypatch.setitem(strip.STRIPPERS, "jpeg", corrupting)
    outcome = strip_file(original)
    assert not outcome.cleaned and "image data differs" in (outcome.error or "")
    assert not (tmp_path / "g.clean.jpg").exists()


def test_verify_pixels_option(tmp_path: Path) -> None:
    original = jpeg(tmp_path / "h.jpg")
    out = strip_ok(original, options=StripOptions(verify_pixels=True))
    assert pixels(out) == pixels(original)


def test_heic_is_read_and_reencoded_without_gps(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif", reason="pillow-heif (the heic extra) missing")
    pillow_heif.register_heif_opener()
    heic = tmp_path / "phone.heic"
    from photos import picture

    picture((64, 48)).save(heic, format="HEIF", exif=exif_block().tobytes(), quality=90)
    meta = read_metadata(heic)
    assert meta is not None and meta.format == "heif" and meta.gps is not None
    refused = strip_file(heic)
    assert not refused.cleaned and "--reencode" in (refused.error or "")
    outcome = strip_file(heic, StripOptions(reencode=True))
    assert outcome.cleaned and outcome.method == "re-encoded"
    cleaned = read_metadata(Path(outcome.output or ""))
    assert cleaned is not None and cleaned.gps is None and cleaned.identifying == []
