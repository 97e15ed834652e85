"""Lossless stripping: nothing identifying left, same pixels, originals untouched, fail closed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from helpers.photos import XMP_WITH_GPS, exif_block, jpeg, jpeg_bytes, save, srgb_icc
from lowprofile.metadata import strip
from lowprofile.metadata.jpeg import jpeg_segments
from lowprofile.metadata.reader import read_metadata
from lowprofile.metadata.strip import StripOptions
from lowprofile.metadata.strip_plan import strip_file


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


def test_in_place_keeps_mode_and_times_and_a_copy_stays_private(tmp_path: Path) -> None:
    """As ``exiftool -P``: a date-sorted library and a shared folder see the same file."""
    original = jpeg(tmp_path / "shared.jpg")
    original.chmod(0o644)
    times_ns = (1_500_000_000_123_456_789, 1_400_000_000_987_654_321)  # atime, mtime (2014)
    os.utime(original, ns=times_ns)
    copy = strip_ok(original)  # a copy beside it is new and private
    assert copy.stat().st_mode & 0o777 == 0o600 and copy.stat().st_mtime_ns != times_ns[1]
    os.utime(original, ns=times_ns)  # reading it may have moved its access time
    outcome = strip_file(original, in_place=True)  # (strip_ok reads the original first)
    assert outcome.cleaned and outcome.output == str(original)
    after = original.stat()
    assert after.st_mode & 0o777 == 0o644
    assert (after.st_atime_ns, after.st_mtime_ns) == times_ns
    meta = read_metadata(original)
    assert meta is not None and meta.gps is None  # and it really was cleaned


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
    from helpers.photos import picture

    picture((64, 48)).save(heic, format="HEIF", exif=exif_block().tobytes(), quality=90)
    meta = read_metadata(heic)
    assert meta is not None and meta.format == "heif" and meta.gps is not None
    refused = strip_file(heic)
    assert not refused.cleaned and "--reencode" in (refused.error or "")
    outcome = strip_file(heic, StripOptions(reencode=True))
    assert outcome.cleaned and outcome.method == "re-encoded"
    cleaned = read_metadata(Path(outcome.output or ""))
    assert cleaned is not None and cleaned.gps is None and cleaned.identifying == []


# --- hostile input (issue: hardening) -----------------------------------------------------

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
SECRETS = (b"Jane Example", b"ExampleCam", b"Jane E")


def hostile_copy(tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copyfile(HOSTILE / name, copy)
    return copy


def png_chunk_types(data: bytes) -> list[bytes]:
    from lowprofile.metadata.png import png_chunks

    return [kind for kind, _, _ in png_chunks(data)]


@pytest.mark.parametrize(
    "name",
    ["strip_png_exif_spellings.png", "strip_webp_hidden_chunks.webp",
     "strip_jpeg_hidden_segments.jpg"],
)  # fmt: skip
def test_hidden_metadata_does_not_survive(tmp_path: Path, name: str) -> None:
    """Exif under other spellings, private chunks, a JFIF thumbnail, APPn between scans and
    trailers: none of it is in the cleaned copy, and the pixels are the same."""
    original = hostile_copy(tmp_path, name)
    assert any(secret in original.read_bytes() for secret in SECRETS)
    out = strip_ok(original, options=StripOptions(verify_pixels=True))
    cleaned = out.read_bytes()
    assert [s for s in SECRETS if s in cleaned] == []
    assert pixels(out) == pixels(original)


def test_png_keeps_only_allowlisted_chunks(tmp_path: Path) -> None:
    from lowprofile.metadata.png import PNG_KEEP

    original = hostile_copy(tmp_path, "strip_png_exif_spellings.png")
    outcome = strip_file(original)
    assert outcome.cleaned and {"EXIF", "exIf", "zxIf", "prVt"} <= set(outcome.removed)
    kinds = png_chunk_types(Path(outcome.output or "").read_bytes())
    assert set(kinds) <= PNG_KEEP and kinds[0] == b"IHDR" and kinds[-1] == b"IEND"


def test_verification_refuses_a_chunk_outside_the_allowlist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the reader sees nothing (it does not read ``exIf``), a stripper that kept an
    unknown chunk is caught by the allowlist check, and nothing is written."""
    from lowprofile.metadata import strip

    original = hostile_copy(tmp_path, "strip_png_exif_spellings.png")
    meta = read_metadata(original)
    assert meta is not None and meta.identifying == []  # the reader alone would pass it
    monkeypatch.setitem(strip.STRIPPERS, "png", lambda source, options: (source.data, []))
    outcome = strip_file(original)
    assert not outcome.cleaned and "still has a EXIF chunk" in (outcome.error or "")
    assert sorted(os.listdir(tmp_path)) == [original.name]


def test_webp_animation_frames_lose_unknown_chunks(tmp_path: Path) -> None:
    from lowprofile.metadata.riff import riff_chunks

    out = strip_ok(hostile_copy(tmp_path, "strip_webp_hidden_chunks.webp"))
    data = out.read_bytes()
    kinds = {kind for kind, _, _ in riff_chunks(data)}
    assert kinds <= {b"VP8X", b"ANIM", b"ANMF"}
    assert b"GPSx" not in data
    with Image.open(out) as image:
        assert getattr(image, "n_frames", 1) == 2
    assert data[20] & 0x08 == 0  # VP8X no longer claims Exif


def test_progressive_jpeg_with_restarts_and_segments_between_scans(tmp_path: Path) -> None:
    original = hostile_copy(tmp_path, "strip_jpeg_hidden_segments.jpg")
    outcome = strip_file(original, StripOptions(verify_pixels=True))
    assert outcome.cleaned, outcome.error
    assert {"APP2", "APP11", "APP14", "COM", "JFIF thumbnail"} <= set(outcome.removed)
    assert "APP1" in outcome.removed  # the Exif hidden between the scans is named too
    cleaned = Path(outcome.output or "").read_bytes()
    assert cleaned.count(b"\xff\xda") == original.read_bytes().count(b"\xff\xda")  # every scan
    assert b"\xff\xe1" not in cleaned and cleaned.endswith(b"\xff\xd9")


def test_symlink_to_dev_zero_is_refused_unread(tmp_path: Path) -> None:
    link = tmp_path / "zero.jpg"
    link.symlink_to("/dev/zero")
    outcome = strip_file(link)
    assert not outcome.cleaned and "not a regular file (a character device)" in (
        outcome.error or ""
    )


def test_fifo_does_not_hang(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "p.jpg"
    os.mkfifo(fifo)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(strip_file(fifo)), daemon=True)
    worker.start()
    worker.join(60)  # a hang guard, not a timing test: opening a FIFO must not wait for a writer
    assert not worker.is_alive(), "strip blocked on a FIFO"
    outcome = result[0]
    assert isinstance(outcome, strip.StripOutcome) and "a FIFO" in (outcome.error or "")


def test_size_cap_is_checked_before_reading(tmp_path: Path) -> None:
    from lowprofile.metadata.strip import MAX_STRIP_BYTES

    huge = tmp_path / "sparse.jpg"
    with open(huge, "wb") as handle:
        handle.write(jpeg_bytes())
        handle.truncate(MAX_STRIP_BYTES + 1)  # sparse: no disk, and it is never read
    outcome = strip_file(huge)
    assert not outcome.cleaned and "over strip's limit" in (outcome.error or "")


def test_a_table_segment_that_swallows_metadata_is_refused(tmp_path: Path) -> None:
    """A DQT whose length was stretched over the Exif after it would carry the Exif through a
    strip inside a kept segment; its length must match its own tables, or nothing is written."""
    data = jpeg_bytes()
    layout = jpeg_segments(data)
    dqt = next(s for s in layout.segments if s.marker == 0xDB)
    exif = next(s for s in layout.segments if s.marker == 0xE1)
    moved = data[dqt.start : dqt.end]
    rest = data[2 : dqt.start] + data[dqt.end :]
    exif_at = rest.index(data[exif.start : exif.end])
    exif_len = exif.end - exif.start
    swollen = moved[:2] + (int.from_bytes(moved[2:4], "big") + exif_len).to_bytes(2, "big")
    hostile = b"\xff\xd8" + swollen + moved[4:] + rest[exif_at:]
    assert b"ExampleCam" in hostile
    path = tmp_path / "swallow.jpg"
    path.write_bytes(hostile)
    outcome = strip_file(path)
    assert not outcome.cleaned and "malformed 0xDB segment" in (outcome.error or "")
    assert sorted(os.listdir(tmp_path)) == ["swallow.jpg"]


def test_a_kept_png_chunk_with_extra_bytes_is_refused(tmp_path: Path) -> None:
    from lowprofile.metadata.png import png_chunk

    data = save(tmp_path / "p.png", "PNG").read_bytes()
    ihdr_end = 8 + 8 + 13 + 4
    gama = png_chunk(b"gAMA", b"\x00\x00\xb1\x8f" + b"Jane Example")
    (tmp_path / "p.png").write_bytes(data[:ihdr_end] + gama + data[ihdr_end:])
    outcome = strip_file(tmp_path / "p.png")
    assert not outcome.cleaned and "malformed gAMA chunk" in (outcome.error or "")


def test_adobe_segment_is_kept_without_what_follows_its_fields(tmp_path: Path) -> None:
    data = jpeg_bytes()
    fields = b"Adobe\x00\x64\x00\x00\x00\x00\x01"  # version 100, no flags, YCbCr
    payload = fields + b"Jane Example"
    adobe = b"\xff\xee" + (len(payload) + 2).to_bytes(2, "big") + payload
    path = tmp_path / "adobe.jpg"
    path.write_bytes(data[:2] + adobe + data[2:])
    out = strip_ok(path, options=StripOptions(verify_pixels=True))
    cleaned = out.read_bytes()
    assert b"Jane Example" not in cleaned
    assert b"\xff\xee\x00\x0e" + fields in cleaned
