"""Where else photos hide identity: maker notes, XMP-only orientation, GIF and video containers,
PNG text, stray bytes left by other strippers; and agreement with exiftool on serial numbers."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from helpers.photos import LAT, LON, XMP_WITH_GPS, exif_block, jpeg, picture, save
from lowprofile.errors import MetadataError
from lowprofile.metadata.reader import DamagedPhotoError, read_metadata
from lowprofile.metadata.strip import StripOptions
from lowprofile.metadata.strip_plan import strip_file


def close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-5


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def ifd(entries: list[tuple[int, int, int, bytes]], endian: str, at: int) -> bytes:
    """One IFD at offset ``at`` of its block: entries are (tag, type, count, value bytes);
    values longer than four bytes are laid out after the IFD."""
    head = struct.pack(endian + "H", len(entries))
    data_at = at + 2 + 12 * len(entries) + 4
    tail = b""
    for tag, type_id, count, value in entries:
        if len(value) <= 4:
            field = value.ljust(4, b"\x00")
        else:
            field = struct.pack(endian + "I", data_at + len(tail))
            tail += value + b"\x00" * (len(value) & 1)
        head += struct.pack(endian + "HHI", tag, type_id, count) + field
    return head + b"\x00\x00\x00\x00" + tail


def nikon_note(serial: bytes) -> bytes:
    """A Nikon type-3 maker note: its own TIFF header, offsets from it (self-contained)."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += ifd([(0x001D, 2, len(serial) + 1, serial + b"\x00")], ">", 8)
    return b"Nikon\x00\x02\x10\x00\x00" + tiff


def fujifilm_note(serial: bytes) -> bytes:
    """A Fujifilm maker note: little-endian, IFD offset and value offsets from the note's start."""
    return b"FUJIFILM" + struct.pack("<I", 12) + ifd([(0x0010, 2, len(serial) + 1, serial + b"\0")],
                                                     "<", 12)  # fmt: skip


@pytest.mark.parametrize(
    ("note", "serial"),
    [(nikon_note(b"7654321"), "7654321"), (fujifilm_note(b"FPX1234567"), "FPX1234567")],
)
def test_serial_in_maker_note(tmp_path: Path, note: bytes, serial: str) -> None:
    """Most cameras leave BodySerialNumber empty and write the serial in their maker note."""
    exif = exif_block(gps=None, serial=None, owner=None)
    exif.get_ifd(0x8769)[0x927C] = note
    path = save(tmp_path / "mn.jpg", "JPEG", exif=exif)
    meta = read_metadata(path)
    assert meta is not None and meta.serials == [serial] and meta.has_maker_notes
    assert "serial_number" in meta.exposed
    out = strip_file(path)
    assert out.cleaned, out.error
    cleaned = read_metadata(Path(out.output or ""))
    assert cleaned is not None and cleaned.serials == [] and not cleaned.has_maker_notes


def test_damaged_maker_note_hides_nothing_else(tmp_path: Path) -> None:
    exif = exif_block()
    exif.get_ifd(0x8769)[0x927C] = b"Nikon\x00\x02\x10\x00\x00MM\x00\x2a\xff\xff\xff\xff"
    meta = read_metadata(save(tmp_path / "bad_mn.jpg", "JPEG", exif=exif))
    assert meta is not None and meta.gps is not None and meta.serials == ["SN-0042"]


def test_serial_written_into_ifd0(tmp_path: Path) -> None:
    """Some writers put BodySerialNumber in IFD0 instead of the Exif IFD."""
    exif = exif_block(gps=None, serial=None)
    exif[0xA431] = "IFD0-SERIAL"
    meta = read_metadata(save(tmp_path / "s.jpg", "JPEG", exif=exif))
    assert meta is not None and meta.serials == ["IFD0-SERIAL"]


def test_orientation_only_in_xmp_survives_a_strip(tmp_path: Path) -> None:
    """An edited PNG whose only Orientation is XMP tiff:Orientation must still display upright
    after the XMP is dropped: the stripper writes it back as a minimal eXIf."""
    packet = XMP_WITH_GPS.replace(
        b'exif:GPSLatitude="', b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6" '
        b'exif:GPSLatitude="'
    )  # fmt: skip
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet.decode())
    path = save(tmp_path / "edited.png", "PNG", pnginfo=info)
    meta = read_metadata(path)
    assert meta is not None and meta.orientation == 6 and meta.gps is not None
    out = strip_file(path)
    assert out.cleaned, out.error
    cleaned = read_metadata(Path(out.output or ""))
    assert cleaned is not None and cleaned.orientation == 6 and not cleaned.has_xmp
    assert cleaned.identifying == []


def gif_with_xmp(path: Path, packet: bytes) -> Path:
    """A GIF with an XMP application extension, laid out as Adobe writes it."""
    plain = bytearray()
    picture().convert("P").save(path, format="GIF")
    plain += path.read_bytes()
    assert plain.endswith(b"\x3b")
    trailer = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
    extension = b"\x21\xff\x0bXMP DataXMP" + packet + trailer
    path.write_bytes(bytes(plain[:-1]) + extension + b"\x3b")
    return path


def test_gif_xmp_gps(tmp_path: Path) -> None:
    path = gif_with_xmp(tmp_path / "anim.gif", XMP_WITH_GPS)
    meta = read_metadata(path)
    assert meta is not None and meta.format == "gif" and meta.has_xmp
    assert meta.gps is not None and close(meta.gps.lat, LAT) and close(meta.gps.lon, LON)
    assert meta.names["creator"] == ["Jane Example"]
    with Image.open(path) as image:  # still a valid GIF
        image.load()


def test_mov_user_data_xmp_and_artist(tmp_path: Path) -> None:
    """A QuickTime movie with no ©xyz but XMP (with GPS) and an artist in its user data."""
    artist = b"Jane Example"
    udta = box(b"\xa9ART", struct.pack(">HH", len(artist), 0x55C4) + artist)
    udta += box(b"XMP_", XMP_WITH_GPS)
    movie = box(b"ftyp", b"qt  \x00\x00\x00\x00qt  ") + box(b"moov", box(b"udta", udta))
    path = tmp_path / "clip.mov"
    path.write_bytes(movie)
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None and meta.gps.source == "xmp"
    assert "Jane Example" in meta.names["creator"]


def fixed(value: float) -> bytes:
    """A signed 16.16 fixed-point number, as 3GPP writes coordinates."""
    return struct.pack(">i", round(value * 65536))


def loci(name: bytes, lat: float, lon: float, alt: float = 0.0, version: int = 0) -> bytes:
    """A 3GPP TS 26.244 ``loci`` box: full box header, language, name, role, coordinates,
    then the astronomical body and notes."""
    head = bytes([version, 0, 0, 0]) + struct.pack(">H", 0x15C7)  # language "eng"
    return box(b"loci", head + name + b"\x00" + fixed(lon) + fixed(lat) + fixed(alt)
               + b"earth\x00" + b"notes\x00")  # fmt: skip


def three_gp(path: Path, moov_payload: bytes, brand: bytes = b"3gp6") -> Path:
    path.write_bytes(box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand) + box(b"moov", moov_payload))
    return path


def test_3gpp_loci_in_the_movie_user_data(tmp_path: Path) -> None:
    """Some phones and FLIR cameras write a video's place only in a 3GPP loci box."""
    name = b"Home\x00"  # a place name, UTF-8, null-terminated
    path = three_gp(tmp_path / "clip.3gp", box(b"udta", loci(name, 30.2672, -97.7431, 149.5)))
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None and meta.gps.source == "video"
    assert abs(meta.gps.lat - 30.2672) < 2e-5 and abs(meta.gps.lon + 97.7431) < 2e-5
    assert meta.gps.alt == 149.5 and meta.warnings == []
    assert meta.places == {"location": ["Home"]} and "place_names" in meta.exposed


@pytest.mark.parametrize(("bom", "codec"), [(b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le")])
def test_3gpp_loci_utf16_name_in_a_track(tmp_path: Path, bom: bytes, codec: str) -> None:
    """A UTF-16 name (byte-order mark, then a zero code unit; a zero byte inside a code unit
    does not end it) and the box in a track's user data."""
    name = bom + "Zuhause \u0100".encode(codec) + b"\x00\x00"
    trak = box(b"trak", box(b"tkhd", b"\x00" * 84) + box(b"udta", loci(name, -33.8688, 151.2093)))
    path = three_gp(tmp_path / "flir.mp4", trak, brand=b"isom")
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None
    assert abs(meta.gps.lat + 33.8688) < 2e-5 and abs(meta.gps.lon - 151.2093) < 2e-5
    assert meta.places == {"location": ["Zuhause \u0100"]}


def test_iso6709_wins_over_loci(tmp_path: Path) -> None:
    location = b"+48.8584+002.2945/"
    xyz = box(b"\xa9xyz", struct.pack(">HH", len(location), 0x15C7) + location)
    path = three_gp(tmp_path / "both.mp4", box(b"udta", xyz + loci(b"x\x00", 10.0, 20.0)))
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None and close(meta.gps.lat, 48.8584)


@pytest.mark.parametrize(
    "payload",
    [
        b"\x00\x00\x00\x00\x15",  # shorter than its header
        b"\x00\x00\x00\x00\x15\xc7" + b"no terminator" * 10,  # the name never ends
        b"\x00\x00\x00\x00\x15\xc7" + b"\xfe\xff\x00A\x00",  # UTF-16 name never ends
        b"\x00\x00\x00\x00\x15\xc7Home\x00\x00" + b"\x00" * 8,  # coordinates cut short
        b"\x00\x00\x00\x00\x15\xc7" + b"A" * 5_000 + b"\x00\x00" + b"\x00\x10\x00\x00" * 3,  # long
        b"\x01\x00\x00\x00\x15\xc7Home\x00\x00" + b"\x00\x10\x00\x00" * 3,  # version 1
    ],
)
def test_damaged_loci_is_a_warning_not_a_place(tmp_path: Path, payload: bytes) -> None:
    path = three_gp(tmp_path / "bad.3gp", box(b"udta", box(b"loci", payload)))
    meta = read_metadata(path)
    assert meta is not None and meta.gps is None
    assert any("loci" in warning for warning in meta.warnings)


def test_loci_at_the_origin_or_out_of_range_is_no_place(tmp_path: Path) -> None:
    for lat, lon in ((0.0, 0.0), (95.0, 10.0), (10.0, -200.0)):
        path = three_gp(tmp_path / "zero.3gp", box(b"udta", loci(b"\x00", lat, lon)))
        meta = read_metadata(path)
        assert meta is not None and meta.gps is None, (lat, lon)


def test_mp4_keys_location_and_author(tmp_path: Path) -> None:
    """Phones write the place as com.apple.quicktime.location.ISO6709 in moov/meta keys+ilst."""
    names = [b"com.apple.quicktime.location.ISO6709", b"com.apple.quicktime.author"]
    keys = b"\x00\x00\x00\x00" + struct.pack(">I", len(names))
    keys += b"".join(struct.pack(">I", 8 + len(n)) + b"mdta" + n for n in names)
    values = [b"-33.8688+151.2093+012.000/", b"Jane Example"]
    ilst = b"".join(
        box(struct.pack(">I", i + 1), box(b"data", b"\x00\x00\x00\x01\x00\x00\x00\x00" + v))
        for i, v in enumerate(values)
    )
    meta_box = box(b"meta", box(b"hdlr", b"\x00" * 24) + box(b"keys", keys) + box(b"ilst", ilst))
    path = tmp_path / "clip.mp4"
    path.write_bytes(box(b"ftyp", b"isom\x00\x00\x02\x00isom") + box(b"moov", meta_box))
    meta = read_metadata(path)
    assert meta is not None and meta.gps is not None and meta.gps.source == "video"
    assert close(meta.gps.lat, -33.8688) and close(meta.gps.lon, 151.2093)
    assert meta.gps.alt == 12.0 and meta.names["creator"] == ["Jane Example"]


def test_png_author_text_and_xmp_contact(tmp_path: Path) -> None:
    contact = XMP_WITH_GPS.replace(
        b"<dc:creator>",
        b'<Iptc4xmpCore:CreatorContactInfo xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0'
        b'/xmlns/" Iptc4xmpCore:CiEmailWork="jane@example.org" Iptc4xmpCore:CiTelWork="+1 555 0100"'
        b"/><dc:creator>",
    )  # fmt: skip
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Example")
    info.add_itxt("XML:com.adobe.xmp", contact.decode())
    path = save(tmp_path / "t.png", "PNG", pnginfo=info)
    meta = read_metadata(path)
    assert meta is not None
    assert meta.names["creator"] == ["Jane Example"]
    assert set(meta.names["contact"]) == {"jane@example.org", "+1 555 0100"}
    out = strip_file(path)
    assert out.cleaned, out.error
    cleaned = read_metadata(Path(out.output or ""))
    assert cleaned is not None and cleaned.names == {}


def test_two_stray_bytes_after_a_removed_segment(tmp_path: Path) -> None:
    """Some strippers cut a segment but leave its two length bytes behind: the segments after
    them (here the Exif with GPS) must still be read, and our own output must not keep them."""
    data = jpeg(tmp_path / "a.jpg").read_bytes()
    app0_end = 4 + struct.unpack_from(">H", data, 4)[0]
    assert data[2:4] == b"\xff\xe0"
    damaged = tmp_path / "stray.jpg"
    damaged.write_bytes(data[:app0_end] + b"\x00\x10" + data[app0_end:])
    meta = read_metadata(damaged)
    assert meta is not None and meta.gps is not None
    assert any("stray" in w for w in meta.warnings)
    out = strip_file(damaged)
    assert out.cleaned, out.error
    cleaned = read_metadata(Path(out.output or ""))
    assert cleaned is not None and cleaned.identifying == [] and cleaned.warnings == []


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x21\xff\x0bXMP DataXMP<x:xmpmeta",
        box(b"ftyp", b"crx \x00\x00\x00\x01") + b"\x00\x00\xff\xffmoov",
        box(b"ftyp", b"crx \x00\x00\x00\x01")
        + box(
            b"moov",
            box(
                b"uuid",
                bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
                + box(b"CMT1", b"II*\x00\xff\xff\x00\x00")  # fmt: skip
                + box(b"CMT4", b"MM\x00*\x00\x00\x00\x08\xff"),
            ),
        ),
        box(b"ftyp", b"qt  \x00\x00\x00\x00") + box(b"moov", box(b"udta", b"\x00\x00\x00\x09XMP_")),
    ],
)
def test_broken_containers_raise_only_metadata_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    try:
        read_metadata(path)
    except MetadataError:
        pass


NOT_READ = {
    # exiftool finds a serial here that lowprofile does not read (yet), and why:
    "exifread/jpg/Reconyx_HC500_Hyperfire.jpg": "Reconyx binary maker note",
    "exifread/jpg/Sony_alpha_a58.JPG": "Sony maker note is enciphered",
    "exifread/jpg/exif-org/olympus-d320l.jpg": "APP12 PictureInfo text (flagged as vendor data)",
    "exiftool/ExifTool.jpg": "APP12 PictureInfo text (flagged as vendor data)",
    "exiftool/CanonRaw.crw": "Canon CIFF raw is not read",
    "exiftool/Motorola.jpg": "Motorola maker note",
    "exiftool/Panasonic.rw2": "the maker note sits in the RW2's embedded JPEG preview",
    "exiftool/Pentax.jpg": "Pentax binary CameraInfo record",
    "exiftool/PhaseOne.iiq": "Phase One IIQ raw is not read",
    "exiftool/Ricoh2.jpg": "Ricoh maker note subdirectory",
    "piexif/r_ricoh.jpg": "Ricoh maker note subdirectory",
    "exiftool/Sigma.x3f": "Sigma X3F raw is not read",
    "exiftool/SigmaDP2.x3f": "Sigma X3F raw is not read",
}


def test_groundtruth_serials_match_exiftool(shared_data: Path) -> None:
    """Every serial exiftool reads (standard tags and maker notes) is found, except the known
    gaps listed above; and no file gets a serial exiftool does not see."""
    root = shared_data / "photos"
    entries = json.loads((root / "groundtruth.json").read_text())
    found, missed, invented = 0, [], []
    for entry in entries:
        try:
            meta = read_metadata(root / entry["file"])
        except DamagedPhotoError as exc:
            meta = exc.partial
        except MetadataError:
            meta = None
        ours = set(meta.serials) if meta else set()
        theirs = {v.strip() for v in (entry["camera_serial"] or {}).values()}
        if theirs and ours & theirs:
            found += 1
        elif theirs and entry["file"] not in NOT_READ and not ours:
            missed.append(entry["file"])
        elif ours and not theirs:
            invented.append((entry["file"], ours))
    print(f"\nserials: {found} files agree with exiftool, {len(NOT_READ)} known gaps")
    assert missed == [] and invented == []
    assert found >= 39


def test_groundtruth_canon_owner_and_cr3(shared_data: Path) -> None:
    root = shared_data / "photos"
    canon = read_metadata(root / "exiftool" / "Canon.jpg")
    assert canon is not None and canon.names.get("owner") == ["Phil Harvey"]
    cr3 = read_metadata(root / "exiftool" / "CanonRaw.cr3")
    assert cr3 is not None and cr3.make == "Canon" and cr3.has_xmp
    assert {"613040000565", "CG0156580"} <= set(cr3.serials)


@pytest.mark.parametrize("reencode", [False, True])
def test_a_located_video_is_not_cleaned_and_says_what_to_do(tmp_path: Path, reencode: bool) -> None:
    """Re-encoding makes still images: a video is refused either way, with words that fit."""
    path = three_gp(tmp_path / "clip.3gp", box(b"udta", loci(b"Home\x00", 30.27, -97.74)))
    before = path.read_bytes()
    outcome = strip_file(path, StripOptions(reencode=reencode), in_place=True)
    assert not outcome.cleaned and outcome.error is not None
    assert (
        outcome.error.startswith("a video cannot be cleaned here") and "JPEG" not in outcome.error
    )
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["clip.3gp"]
