"""ISO base media files (HEIC/HEIF/AVIF, MP4/MOV/3GP, Canon CR3, the JPEG XL container):
their boxes walked for metadata.

The one walker is ``iter_boxes`` (bounded by ``limits``): HEIF items through ``iloc``, a movie's
ISO 6709 and 3GPP places, names in its user data, Canon's CMT blocks, XMP boxes. Strip does not
rewrite these containers (it re-encodes still images when asked), so there is no stripping here.
"""

from __future__ import annotations

import re
import struct
from typing import NamedTuple

from lowprofile.errors import MetadataError
from lowprofile.metadata.blocks import NAME_BYTES, Blocks, Chunk, strip_exif_prefix
from lowprofile.metadata.limits import MAX_BOXES, MAX_HEIF_EXTENTS, MAX_HEIF_ITEMS

_ISO6709 = re.compile(rb"([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def iter_boxes(data: bytes | memoryview, start: int, end: int) -> list[Chunk]:
    """(type, payload start, box end) of the boxes between ``start`` and ``end``."""
    boxes: list[Chunk] = []
    position = start
    while position + 8 <= end:
        if len(boxes) >= MAX_BOXES:
            raise MetadataError(f"more than {MAX_BOXES:,} boxes in one container")
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            if position + 16 > end:
                break
            (size,) = struct.unpack_from(">Q", data, position + 8)
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise MetadataError(f"box {kind!r} runs past the end of its container")
        boxes.append((kind, position + header, position + size))
        position += size
    return boxes


def _child(data: bytes | memoryview, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for box_kind, box_start, box_end in iter_boxes(data, start, end):
        if box_kind == kind:
            return box_start, box_end
    return None


def _uint(data: bytes | memoryview, position: int, size: int) -> int:
    if size == 0:
        return 0
    return int.from_bytes(bytes(data[position : position + size]), "big")


class _Cursor:
    """Reads big-endian fields inside one box, refusing to read past its end (a count that
    claims more than the box holds is caught here, before it is looped over)."""

    def __init__(self, data: bytes | memoryview, start: int, end: int) -> None:
        self.data, self.position, self.end = data, start, min(end, len(data))

    def uint(self, size: int) -> int:
        if self.position + size > self.end:
            raise MetadataError("HEIF iloc box is cut short")
        value = _uint(self.data, self.position, size)
        self.position += size
        return value

    def fits(self, count: int, each: int) -> bool:
        return count * each <= self.end - self.position


def _heif_kinds(data: bytes | memoryview, iinf: tuple[int, int]) -> dict[int, str]:
    """Item id -> "exif" or "xmp", from the item info box."""
    kinds: dict[int, str] = {}
    version = data[iinf[0]]
    count_size = 2 if version == 0 else 4
    for kind, start, _end in iter_boxes(data, iinf[0] + 4 + count_size, iinf[1]):
        if kind != b"infe":
            continue
        infe_version = data[start]
        if infe_version < 2:
            continue
        id_size = 2 if infe_version == 2 else 4
        item_id = _uint(data, start + 4, id_size)
        item_type = bytes(data[start + 4 + id_size + 2 : start + 4 + id_size + 6])
        if item_type == b"mime":
            rest = bytes(data[start + 4 + id_size + 6 : min(_end, start + id_size + 300)])
            _name, _, after = rest.partition(b"\x00")
            content_type = after.split(b"\x00", 1)[0]
            if b"xml" in content_type or b"rdf" in content_type:
                kinds[item_id] = "xmp"
        elif item_type == b"Exif":
            kinds[item_id] = "exif"
    return kinds


def _heif_items(data: bytes | memoryview, meta_start: int, meta_end: int) -> Blocks:
    """The EXIF and XMP items of a HEIF, located through ``iloc``. Every count is checked
    against what its box can hold and against ``limits`` before the loop that uses it, and only
    the EXIF and XMP items are copied (never the image tiles)."""
    blocks = Blocks()
    inner = meta_start + 4  # full box: version and flags
    iinf = _child(data, inner, meta_end, b"iinf")
    iloc = _child(data, inner, meta_end, b"iloc")
    idat = _child(data, inner, meta_end, b"idat")
    if iinf is None or iloc is None:
        return blocks
    kinds = _heif_kinds(data, iinf)
    if not kinds:
        return blocks
    box = _Cursor(data, iloc[0], iloc[1])
    version = box.uint(1)
    box.uint(3)  # flags
    sizes = box.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 0x0F
    sizes = box.uint(1)
    base_offset_size, index_size = sizes >> 4, (sizes & 0x0F if version in (1, 2) else 0)
    id_size = 2 if version < 2 else 4
    item_count = box.uint(id_size)
    entry_size = id_size + (2 if version in (1, 2) else 0) + 2 + base_offset_size + 2
    if item_count > MAX_HEIF_ITEMS or not box.fits(item_count, entry_size):
        raise MetadataError(f"HEIF iloc claims {item_count:,} items")
    for _ in range(item_count):
        item_id = box.uint(id_size)
        method = box.uint(2) & 0x0F if version in (1, 2) else 0
        box.uint(2)  # data reference index
        base = box.uint(base_offset_size)
        extents = box.uint(2)
        extent_size = index_size + offset_size + length_size
        if extents > MAX_HEIF_EXTENTS or not box.fits(extents, extent_size):
            raise MetadataError(f"HEIF item {item_id} claims {extents:,} extents")
        item_kind = kinds.get(item_id)
        pieces = []
        for _ in range(extents):
            box.uint(index_size)
            offset = box.uint(offset_size)
            length = box.uint(length_size)
            if item_kind is None:
                continue
            origin = base + offset + (idat[0] if method == 1 and idat else 0)
            if origin + length > len(data):
                raise MetadataError("HEIF item points past the end of the file")
            piece = blocks.take(data, origin, origin + length, f"HEIF {item_kind} item")
            if piece is not None:
                pieces.append(piece)
        if item_kind is None or not pieces:
            continue
        payload = b"".join(pieces)
        if item_kind == "exif" and len(payload) >= 4:
            (skip,) = struct.unpack_from(">I", payload, 0)
            blocks.exif.append(strip_exif_prefix(payload[4 + skip :]))
        elif item_kind == "xmp":
            blocks.xmp.append(payload)
    return blocks


def parse_iso6709(text: bytes) -> tuple[float, float, float | None] | None:
    match = _ISO6709.search(text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    alt = float(match.group(3)) if match.group(3) else None
    return lat, lon, alt


XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
_VIDEO_NAME_ATOMS = {b"\xa9ART": "creator", b"\xa9aut": "creator", b"\xa9cpy": "copyright",
                     b"\xa9own": "owner"}  # fmt: skip
_VIDEO_NAME_KEYS = {b"com.apple.quicktime.artist": "creator",
                    b"com.apple.quicktime.author": "creator",
                    b"com.apple.quicktime.copyright": "copyright"}  # fmt: skip


def _atom_text(data: bytes | memoryview, start: int, end: int) -> str | None:
    """The text of a user-data atom: an iTunes-style ``data`` box, or a length and language."""
    if end - start >= 16 and bytes(data[start + 4 : start + 8]) == b"data":
        (size,) = struct.unpack_from(">I", data, start)
        raw = bytes(data[start + 16 : min(end, start + max(size, 16), start + 16 + NAME_BYTES)])
    elif end - start >= 4:
        (length,) = struct.unpack_from(">H", data, start)
        raw = bytes(data[start + 4 : min(end, start + 4 + length, start + 4 + NAME_BYTES)])
    else:
        return None
    return raw.decode("utf-8", "replace").strip("\x00 ") or None


def _udta(data: bytes | memoryview, udta: tuple[int, int], blocks: Blocks) -> None:
    """Names and XMP a camera or editor left in a movie's user data."""
    for kind, start, end in iter_boxes(data, udta[0], udta[1]):
        if kind == b"XMP_" and (packet := blocks.take(data, start, end, "XMP_ atom")):
            blocks.xmp.append(packet)
        elif kind in _VIDEO_NAME_ATOMS:
            found = _atom_text(data, start, end)
            if found:
                blocks.add_name(_VIDEO_NAME_ATOMS[kind], found)


def _video_gps(
    data: bytes | memoryview, moov: tuple[int, int], blocks: Blocks
) -> tuple[float, float, float | None] | None:
    udta = _child(data, moov[0], moov[1], b"udta")
    if udta is not None:
        _udta(data, udta, blocks)
        xyz = _child(data, udta[0], udta[1], b"\xa9xyz")
        if xyz is not None:
            found = parse_iso6709(bytes(data[xyz[0] + 4 : min(xyz[1], xyz[0] + 68)]))
            if found:
                return found
    meta = _child(data, moov[0], moov[1], b"meta")
    if meta is None:
        return None
    start = meta[0]
    if _child(data, start, meta[1], b"keys") is None:
        start += 4  # some writers make it a full box
    keys = _child(data, start, meta[1], b"keys")
    ilst = _child(data, start, meta[1], b"ilst")
    if keys is None or ilst is None:
        return None
    names: dict[int, bytes] = {}
    position = keys[0] + 8
    index = 1
    while position + 8 <= keys[1] and index <= MAX_BOXES:
        (size,) = struct.unpack_from(">I", data, position)
        if size < 8:
            break
        names[index] = bytes(data[position + 8 : position + min(size, 8 + 64)])
        index += 1
        position += size
    location = None
    for kind, item_start, item_end in iter_boxes(data, ilst[0], ilst[1]):
        key = names.get(int.from_bytes(kind, "big"), b"")
        value = _child(data, item_start, item_end, b"data")
        if value is None:
            continue
        said_bytes = bytes(data[value[0] + 8 : min(value[1], value[0] + 8 + NAME_BYTES)])
        if key.endswith(b"location.ISO6709") and location is None:
            location = parse_iso6709(said_bytes[:64])
        elif key in _VIDEO_NAME_KEYS:
            said = said_bytes.decode("utf-8", "replace").strip()
            if said:
                blocks.add_name(_VIDEO_NAME_KEYS[key], said)
    return location


_LOCI_BYTES = 4 + 2 + NAME_BYTES + 2 + 1 + 12
"""What a 3GPP ``loci`` box is read up to: version and flags, language, a place name of at most
``NAME_BYTES`` with its terminator, the role, then longitude, latitude and altitude. The
astronomical body and notes that follow are never needed."""
_FIXED_16_16 = 65536.0


def _end_of_string(payload: bytes, position: int) -> int | None:
    """Where the 3GPP string starting at ``position`` ends (past its terminator): UTF-8 ending
    in one zero byte, or UTF-16 opened by a byte-order mark and ending in a zero code unit."""
    if payload[position : position + 2] in (b"\xfe\xff", b"\xff\xfe"):
        for unit in range(position + 2, len(payload) - 1, 2):
            if payload[unit : unit + 2] == b"\x00\x00":
                return unit + 2
        return None
    zero = payload.find(b"\x00", position)
    return None if zero < 0 else zero + 1


class Loci(NamedTuple):
    lat: float
    lon: float
    alt: float
    name: str


def parse_loci(payload: bytes) -> Loci | None:
    """The place in a ``loci`` box's payload (3GPP TS 26.244 location information), or None
    when it is too short, its name never ends, or it is not version 0. Some phones and FLIR
    cameras write a video's place only here. The coordinates are signed 16.16 fixed point."""
    if len(payload) < 6 or payload[0] != 0:
        return None
    name_end = _end_of_string(payload, 6)
    if name_end is None or name_end + 1 + 12 > len(payload):
        return None
    lon, lat, alt = struct.unpack_from(">iii", payload, name_end + 1)  # after the role byte
    raw = payload[6:name_end]
    utf16 = raw[:2] in (b"\xfe\xff", b"\xff\xfe")
    name = raw[:-2].decode("utf-16", "replace") if utf16 else raw[:-1].decode("utf-8", "replace")
    return Loci(lat / _FIXED_16_16, lon / _FIXED_16_16, alt / _FIXED_16_16, name.strip())


def _loci_gps(
    data: bytes | memoryview, moov: tuple[int, int], blocks: Blocks
) -> tuple[float, float, float | None] | None:
    """The place in the first ``loci`` box of the movie's user data, or else of a track's. Only
    the first is read (one bounded copy, whatever the file holds); a damaged one is noted."""
    places = [moov]
    places += [(start, end) for kind, start, end in iter_boxes(data, *moov) if kind == b"trak"]
    for start, end in places:
        udta = _child(data, start, end, b"udta")
        loci = _child(data, udta[0], udta[1], b"loci") if udta is not None else None
        if loci is None:
            continue
        found = parse_loci(bytes(data[loci[0] : min(loci[1], loci[0] + _LOCI_BYTES)]))
        if found is None:
            blocks.problems.append("a 3GPP loci box could not be read (damaged or name too long)")
            return None
        blocks.video_place = found.name or None
        return found.lat, found.lon, found.alt
    return None


def _canon_cmt(data: bytes | memoryview, start: int, end: int, blocks: Blocks) -> None:
    """CR3: the CMT1-CMT4 TIFF blocks inside Canon's uuid box (after its 16-byte UUID)."""
    for kind, box_start, box_end in iter_boxes(data, start + 16, end):
        if kind in (b"CMT1", b"CMT2", b"CMT3", b"CMT4"):
            block = blocks.take(data, box_start, box_end, kind.decode())
            if block is not None:
                blocks.cmt[kind] = block


def isobmff_blocks(data: bytes | memoryview) -> Blocks:
    """EXIF and XMP items of a HEIF, a movie's place and names, Canon's CMT blocks and XMP or
    Exif boxes, from the top-level boxes; a damaged HEIF item table is damage, the rest still
    counts."""
    blocks = Blocks()
    top = iter_boxes(data, 0, len(data))
    for kind, start, end in top:
        if kind == b"meta":
            try:
                found = _heif_items(data, start, end)
            except MetadataError as exc:  # what the other boxes give away still counts
                blocks.damage.append(str(exc))
                continue
            blocks.exif += found.exif
            blocks.xmp += found.xmp
            blocks.problems += found.problems
            blocks.copied += found.copied
        elif kind == b"moov":
            movie = (start, end)
            blocks.video_gps = _video_gps(data, movie, blocks) or _loci_gps(data, movie, blocks)
            for inner, inner_start, inner_end in iter_boxes(data, start, end):
                if inner == b"uuid" and bytes(data[inner_start : inner_start + 16]) == CANON_UUID:
                    _canon_cmt(data, inner_start, inner_end, blocks)
        elif kind == b"uuid" and bytes(data[start : start + 16]) == XMP_UUID:
            if packet := blocks.take(data, start + 16, end, "XMP box"):
                blocks.xmp.append(packet)
        elif kind == b"Exif" and end - start > 4:  # JPEG XL container
            (skip,) = struct.unpack_from(">I", data, start)
            if exif := blocks.take(data, start + 4 + skip, end, "Exif box"):
                blocks.exif.append(strip_exif_prefix(exif))
        elif kind == b"xml " and (packet := blocks.take(data, start, end, "XML box")):
            blocks.xmp.append(packet)
    return blocks
