"""The metadata reader on generated photos, on exiftool-read real samples, and on broken files."""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from helpers.photos import LAT, LON, XMP_WITH_GPS, exif_block, jpeg, picture, save, srgb_icc
from lowprofile.errors import MetadataError
from lowprofile.metadata.reader import DamagedPhotoError, read_metadata


def close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-5


def test_jpeg_everything(tmp_path: Path) -> None:
    meta = read_metadata(jpeg(tmp_path / "a.jpg"))
    assert meta is not None and meta.gps is not None
    assert close(meta.gps.lat, LAT) and close(meta.gps.lon, LON) and meta.gps.source == "exif"
    assert meta.serials == ["SN-0042"]
    assert meta.names["owner"] == ["Jane Example"]
    assert meta.names["creator"] == ["Jane Example"]
    assert meta.taken == "2026:05:01 12:00:00"
    assert (meta.make, meta.model) == ("ExampleCam", "Model 1")
    assert meta.has_xmp and meta.has_icc
    assert {"gps", "serial_number", "names", "camera", "capture_time", "xmp"} <= set(meta.exposed)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_other_formats_with_exif(tmp_path: Path, fmt: str) -> None:
    if fmt == "TIFF":  # Pillow does not write GPS into TIFFs: a TIFF made of the EXIF itself
        path = tmp_path / "a.tif"
        path.write_bytes(exif_block().tobytes()[6:])
    else:
        path = save(tmp_path / f"a.{fmt.lower()}", fmt, exif=exif_block())
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None, fmt
    assert close(meta.gps.lat, LAT) and close(meta.gps.lon, LON)
    assert "SN-0042" in meta.serials


def test_png_xmp_text_chunk_gps(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_WITH_GPS.decode())
    meta = read_metadata(save(tmp_path / "x.png", "PNG", pnginfo=info))
    assert meta is not None and meta.gps is not None and meta.gps.source == "xmp"


def test_gps_only_in_xmp_is_found(tmp_path: Path) -> None:
    path = save(tmp_path / "edited.jpg", "JPEG", xmp=XMP_WITH_GPS)
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None
    assert meta.gps.source == "xmp"
    assert close(meta.gps.lat, LAT) and close(meta.gps.lon, LON)


def test_webp_exif_chunk_with_exif_prefix(tmp_path: Path) -> None:
    """exifread misses WebP EXIF chunks that begin with Exif\\0\\0; we must not."""
    exif = exif_block().tobytes()  # Pillow's bytes start with Exif\0\0
    assert exif.startswith(b"Exif\x00\x00")
    path = save(tmp_path / "p.webp", "WEBP", exif=exif, lossless=True)
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None


def test_empty_gps_block_is_no_location(tmp_path: Path) -> None:
    """A GPS IFD with zero denominators or 0/0 must be "no location", not a crash or 0,0."""
    exif = exif_block(gps=None)
    g = exif.get_ifd(0x8825)
    g[0] = b"\x02\x02\x00\x00"
    path = save(tmp_path / "empty.jpg", "JPEG", exif=exif)
    meta = read_metadata(path)
    assert meta is not None and meta.gps is None
    zero = save(tmp_path / "zero.jpg", "JPEG", exif=exif_block(gps=(0.0, 0.0)))
    meta = read_metadata(zero)
    assert meta is not None and meta.gps is None


def test_zero_denominator_rational(tmp_path: Path) -> None:
    data = bytearray(save(tmp_path / "z.jpg", "JPEG", exif=exif_block()).read_bytes())
    # Zero every denominator of the GPSLatitude rationals: the reader must drop the position.
    exif_start = data.find(b"Exif\x00\x00") + 6
    tiff = bytes(data[exif_start:])
    endian = "<" if tiff[:2] == b"II" else ">"
    from lowprofile.metadata.tiff import parse_exif

    gps_ptr = parse_exif(tiff).ifd0.tags[0x8825][0]
    (count,) = struct.unpack_from(endian + "H", tiff, gps_ptr)
    for i in range(count):
        tag, _, _, offset = struct.unpack_from(endian + "HHII", tiff, gps_ptr + 2 + 12 * i)
        if tag == 2:
            for k in range(3):
                struct.pack_into(endian + "I", data, exif_start + offset + 8 * k + 4, 0)
    path = tmp_path / "z0.jpg"
    path.write_bytes(bytes(data))
    meta = read_metadata(path)
    assert meta is not None and meta.gps is None


def test_west_reference_makes_longitude_negative(tmp_path: Path) -> None:
    meta = read_metadata(save(tmp_path / "w.jpg", "JPEG", exif=exif_block(gps=(51.5, -0.12))))
    assert meta is not None and meta.gps is not None and meta.gps.lon < 0


def test_recognised_by_content_not_name(tmp_path: Path) -> None:
    png_named_jpg = save(tmp_path / "really_png.jpg", "PNG", exif=exif_block())
    meta = read_metadata(png_named_jpg)
    assert meta is not None and meta.format == "png"
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    assert read_metadata(text) is None


def _webp_exif_first(data: bytes) -> bytes:
    chunks, position = [], 12
    while position + 8 <= len(data):
        (length,) = struct.unpack_from("<I", data, position + 4)
        chunks.append(data[position : position + 8 + length + (length & 1)])
        position += 8 + length + (length & 1)
    chunks.sort(key=lambda chunk: chunk[:4] not in (b"VP8X", b"EXIF"))
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_file_raises_with_what_it_gave_away(tmp_path: Path, fmt: str) -> None:
    """A file cut short is a MetadataError, but the GPS read before the cut is not lost."""
    if fmt == "JPEG":  # cut inside the tables before the image data: the headers are broken
        data = jpeg(tmp_path / "full").read_bytes()
        end = data.index(b"\xff\xda") - 10
    else:
        data = save(tmp_path / "full", fmt, exif=exif_block()).read_bytes()
        if fmt == "WEBP":  # Pillow writes EXIF last: put it before the image, as cameras do
            data = _webp_exif_first(data)
        end = len(data) - 40
    cut = tmp_path / "cut"
    cut.write_bytes(data[:end])
    with pytest.raises(DamagedPhotoError) as caught:
        read_metadata(cut)
    partial = caught.value.partial
    assert partial.gps is not None and close(partial.gps.lat, LAT)
    assert partial.format == fmt.lower() and partial.warnings
    inside_exif = tmp_path / "cut_exif"
    inside_exif.write_bytes(data[:60])
    with pytest.raises(MetadataError):
        read_metadata(inside_exif)


def test_jpeg_cut_inside_its_image_data_reads_whole(tmp_path: Path) -> None:
    """The reader reads headers only: a JPEG cut in its compressed data has every header intact,
    so its metadata is complete, and nothing claims it is damaged."""
    data = jpeg(tmp_path / "full").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) - 40])
    meta = read_metadata(cut)
    assert meta is not None and meta.gps is not None and close(meta.gps.lat, LAT)
    assert meta.serials == ["SN-0042"]


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff",
        b"\x89PNG\r\n\x1a\n\x00\x00\xff\xffIHDR",
        b"RIFF\x00\x00\x00\x00WEBPVP8X",
        b"II*\x00\xff\xff\xff\x7f",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\xff\xff\xff\xffmeta",
    ],
)
def test_garbage_with_photo_magic_raises_only_metadata_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    try:
        read_metadata(path)
    except MetadataError:
        pass


def test_fuzzed_files_never_crash(tmp_path: Path) -> None:
    seeds = [jpeg(tmp_path / "s.jpg").read_bytes(),
             save(tmp_path / "s.png", "PNG", exif=exif_block()).read_bytes(),
             save(tmp_path / "s.webp", "WEBP", exif=exif_block()).read_bytes(),
             save(tmp_path / "s.tif", "TIFF", exif=exif_block()).read_bytes()]  # fmt: skip
    rng = random.Random(1234)
    target = tmp_path / "fuzz"
    for round_number in range(400):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if round_number % 3 == 0:
            data = data[: rng.randrange(4, len(data))]
        target.write_bytes(bytes(data))
        try:
            read_metadata(target)
        except MetadataError:
            pass


def test_icc_and_orientation(tmp_path: Path) -> None:
    path = save(tmp_path / "o.jpg", "JPEG", exif=exif_block(orientation=6), icc_profile=srgb_icc())
    meta = read_metadata(path)
    assert meta is not None and meta.orientation == 6 and meta.has_icc


def test_groundtruth_gps_matches_exiftool(shared_data: Path) -> None:
    """Every real sample: GPS within 1e-5 degrees of exiftool's, and none where it has none."""
    root = shared_data / "photos"
    entries = json.loads((root / "groundtruth.json").read_text())
    mismatches = []
    with_gps = 0
    for entry in entries:
        try:
            meta = read_metadata(root / entry["file"])
        except DamagedPhotoError as exc:
            meta = exc.partial
        except MetadataError:
            meta = None
        ours = meta.gps if meta else None
        theirs = entry["gps"]
        if theirs is None:
            if ours is not None:
                mismatches.append((entry["file"], None, (ours.lat, ours.lon)))
            continue
        with_gps += 1
        if ours is None or not (close(ours.lat, theirs["lat"]) and close(ours.lon, theirs["lon"])):
            mismatches.append((entry["file"], theirs, ours))
    print(f"\ngroundtruth: {len(entries)} files, {with_gps} with GPS, {len(mismatches)} mismatches")
    assert with_gps >= 20
    assert mismatches == []


def test_real_video_gps_iso6709(tmp_path: Path) -> None:
    """A minimal MP4/MOV with moov/udta/©xyz, as phones write it."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    location = b"+30.2700-097.7400+150.000/"
    xyz = box(b"\xa9xyz", struct.pack(">HH", len(location), 0x15C7) + location)
    movie = box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ") + box(b"moov", box(b"udta", xyz))
    path = tmp_path / "clip.mov"
    path.write_bytes(movie)
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None and meta.gps.source == "video"
    assert close(meta.gps.lat, 30.27) and close(meta.gps.lon, -97.74) and meta.gps.alt == 150.0


def test_png_without_metadata_is_clean(tmp_path: Path) -> None:
    meta = read_metadata(save(tmp_path / "plain.png", "PNG"))
    assert meta is not None and meta.gps is None and meta.identifying == []


def test_picture_helper_is_deterministic() -> None:
    assert picture().tobytes() == picture().tobytes()
    assert Image.new("RGB", (1, 1)).size == (1, 1)


def flir_jpeg(path: Path, lat: float, lon: float, lat_ref: bytes, lon_ref: bytes) -> Path:
    """A JPEG with a FLIR APP1 segment: an FFF block (big-endian directory) holding a GPS
    record (little-endian) and a camera record with a serial number."""
    gps = bytearray(0x60)
    struct.pack_into("<I", gps, 0, 1)
    gps[0x08:0x0A], gps[0x0A:0x0C] = lat_ref + b"\x00", lon_ref + b"\x00"
    struct.pack_into("<dd", gps, 0x10, lat, lon)
    camera = bytearray(0x1B0)
    camera[0x104 : 0x104 + 9] = b"FLIR-4242"
    header = bytearray(0x40)
    header[0:4] = b"FFF\x00"
    directory = 0x40
    records_at = directory + 2 * 0x20
    struct.pack_into(">III", header, 0x14, 100, directory, 2)
    entries = bytearray(2 * 0x20)
    struct.pack_into(">H", entries, 0, 0x2B)
    struct.pack_into(">II", entries, 0x0C, records_at, len(gps))
    struct.pack_into(">H", entries, 0x20, 0x20)
    struct.pack_into(">II", entries, 0x20 + 0x0C, records_at + len(gps), len(camera))
    fff = bytes(header + entries + gps + camera)
    payload = b"FLIR\x00\x01\x00\x00" + fff
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    plain = save(path, "JPEG").read_bytes()
    path.write_bytes(plain[:2] + segment + plain[2:])
    return path


def test_flir_gps_unsigned_longitude_with_west_reference(tmp_path: Path) -> None:
    meta = read_metadata(flir_jpeg(tmp_path / "ir.jpg", 30.27, 97.74, b"N", b"W"))
    assert meta is not None and meta.gps is not None and meta.gps.source == "flir"
    assert close(meta.gps.lat, 30.27) and close(meta.gps.lon, -97.74)
    assert "FLIR-4242" in meta.serials and meta.has_flir
    out = tmp_path / "ir.clean.jpg"
    from lowprofile.metadata.strip_plan import strip_file

    assert strip_file(tmp_path / "ir.jpg").cleaned
    cleaned = read_metadata(out)
    assert cleaned is not None and cleaned.gps is None and not cleaned.has_flir
