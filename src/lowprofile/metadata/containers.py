"""Finding the metadata blocks inside each container format, reading headers only.

Each function walks its format's structure (JPEG segments, PNG chunks, RIFF chunks, ISO-BMFF
boxes, TIFF IFDs) and returns the raw blocks: EXIF, XMP, IPTC, and flags for the rest. Pixels are
never decoded; the file is memory-mapped, so only the header pages are read from disk. Every
count and length a file declares is checked against ``limits`` before anything is copied or
looped over, so a crafted file costs bounded time and memory.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import NamedTuple

from lowprofile.errors import MetadataError
from lowprofile.metadata.iptc import photoshop_iptc
from lowprofile.metadata.limits import (
    MAX_BLOCK_BYTES,
    MAX_BOXES,
    MAX_HEIF_EXTENTS,
    MAX_HEIF_ITEMS,
    MAX_STRAY_BYTES,
    MAX_TEXT_CHARS,
    MAX_TOTAL_BLOCK_BYTES,
    MAX_VALUES_PER_KIND,
)

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
FLIR_HEADER = b"FLIR\x00"
_ISO6709 = re.compile(rb"([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")
_NAME_BYTES = 4 * MAX_TEXT_CHARS
"""Bytes read for a name a container states (a video's artist, a PNG Author): enough for any
name in any encoding, however long the container says the value is."""


@dataclass
class Blocks:
    """The metadata blocks of one file, before interpretation."""

    exif: list[bytes] = field(default_factory=list)
    xmp: list[bytes] = field(default_factory=list)
    iptc: bytes | None = None
    icc: bool = False
    comment: bool = False
    flir: bool = False
    vendor_segments: list[str] = field(default_factory=list)
    video_gps: tuple[float, float, float | None] | None = None
    video_place: str | None = None
    """The place name a 3GPP ``loci`` box gives with the location ("Home", a street)."""
    flir_data: bytes = b""
    names: dict[str, list[str]] = field(default_factory=dict)
    """Names stated by the container itself (PNG Author text, a video's artist)."""
    cmt: dict[bytes, bytes] = field(default_factory=dict)
    """Canon CR3: each EXIF directory in its own TIFF block (CMT1 IFD0, CMT2 Exif, CMT3 maker
    note, CMT4 GPS)."""
    problems: list[str] = field(default_factory=list)
    """Oddities that hide nothing (stray bytes between segments, a broken EXIF block)."""
    damage: list[str] = field(default_factory=list)
    """Why the file is damaged (cut short, a block running past the end): what came before the
    damage was read, what came after was not."""

    copied: int = 0
    """Bytes copied out of the file so far (against ``MAX_TOTAL_BLOCK_BYTES``)."""

    def add_name(self, kind: str, value: str) -> None:
        value = " ".join(value.replace("\x00", " ").split())
        found = self.names.setdefault(kind, [])
        if value and value not in found and len(found) < MAX_VALUES_PER_KIND:
            found.append(value)

    def take(self, data: bytes | memoryview, start: int, end: int, what: str) -> bytes | None:
        """Copy one block out of the file, within the per-block and per-file limits. A block
        past a limit is dropped and noted, never trusted (nor allocated)."""
        size = max(0, min(end, len(data)) - start)
        if size > MAX_BLOCK_BYTES or self.copied + size > MAX_TOTAL_BLOCK_BYTES:
            self.problems.append(f"{what} of {size:,} bytes not read (over the size limit)")
            return None
        self.copied += size
        return bytes(data[start : start + size])


def _strip_exif_prefix(data: bytes) -> bytes:
    return data[len(EXIF_HEADER) :] if data.startswith(EXIF_HEADER) else data


# --- JPEG -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One JPEG marker segment: marker byte, where it starts and ends (whole segment)."""

    marker: int
    start: int
    end: int
    payload_start: int


@dataclass
class JpegLayout:
    """The segments before the image data, where that data starts, and what was odd."""

    segments: list[Segment]
    sos: int | None
    """Offset of the SOS marker; None when the file ends before its image data."""
    problems: list[str] = field(default_factory=list)
    """Stray bytes that were skipped; harmless, but a clean output must have none."""
    damage: list[str] = field(default_factory=list)
    """Why the segment walk stopped early (truncated file, no image data)."""


_MARKER = re.compile(rb"\xff")
_NOT_FILL = re.compile(rb"[^\xff]")


def jpeg_segments(data: bytes | memoryview, origin: int = 0) -> JpegLayout:
    """Walk the marker segments up to SOS, tolerating what cameras and editors get wrong.

    Stray bytes between segments are skipped (and noted in ``problems``); a segment that runs
    past the end of the file, or a file with no image data, ends the walk with ``damage`` noted.
    Readers can still report the metadata found so far; the stripper refuses damaged files.
    Runs of stray or fill bytes are searched in C, and a run longer than ``MAX_STRAY_BYTES`` (no
    header is that long) ends the walk: a 2 GB file of zeros costs one bounded search. ``origin``
    is where the JPEG starts inside ``data`` (a RAF's preview); offsets stay absolute.
    """
    if bytes(data[origin : origin + 2]) != b"\xff\xd8":
        raise MetadataError("not a JPEG (no SOI marker)")
    layout = JpegLayout([], None)
    position = origin + 2
    size = len(data)
    while position < size:
        if len(layout.segments) >= MAX_BOXES:
            layout.damage.append(f"more than {MAX_BOXES:,} segments before the image data")
            return layout
        if data[position] != 0xFF:
            start = position
            found = _MARKER.search(data, position, min(size, position + MAX_STRAY_BYTES))
            if found is None and position + MAX_STRAY_BYTES < size:
                layout.damage.append(f"no JPEG marker in the {MAX_STRAY_BYTES:,} bytes at {start}")
                return layout
            position = found.start() if found else size
            layout.problems.append(f"skipped {position - start} stray byte(s) at {start}")
            continue
        found = _NOT_FILL.search(data, position, min(size, position + MAX_STRAY_BYTES))
        if found is None:
            break
        position = found.start()
        marker = data[position]
        start = position - 1
        position += 1
        if marker == 0xD9:
            layout.damage.append("the file ends (EOI) before any image data")
            return layout
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xD8):
            continue
        if position + 2 > size:
            break
        (length,) = struct.unpack_from(">H", data, position)
        if length < 2 or position + length > size:
            layout.damage.append(f"segment 0x{marker:02X} runs past the end of the file")
            return layout
        if marker == 0xDA:
            layout.sos = start
            return layout
        layout.segments.append(Segment(marker, start, position + length, position + 2))
        position += length
    layout.damage.append("the file is truncated before its image data")
    return layout


_APP1_BLOCKS = (EXIF_HEADER, XMP_HEADER, XMP_EXTENSION_HEADER, FLIR_HEADER)
"""APP1 payloads worth copying out; every other segment is recognised by its first bytes."""


def jpeg_blocks(data: bytes | memoryview, origin: int = 0) -> Blocks:
    blocks = Blocks()
    layout = jpeg_segments(data, origin)
    blocks.problems += layout.problems
    blocks.damage += layout.damage
    segments = layout.segments
    extended: dict[bytes, dict[int, bytes]] = {}
    flir_chunks: list[bytes] = []
    for segment in segments:
        marker = segment.marker
        head = bytes(data[segment.payload_start : min(segment.end, segment.payload_start + 40)])
        wanted = (marker == 0xE1 and head.startswith(_APP1_BLOCKS)) or (
            marker == 0xED and head.startswith(PHOTOSHOP_HEADER)
        )
        payload = b""
        if wanted:
            taken = blocks.take(data, segment.payload_start, segment.end, f"APP{marker - 0xE0}")
            if taken is None:
                continue
            payload = taken
        if marker == 0xE1 and payload.startswith(EXIF_HEADER):
            blocks.exif.append(payload[len(EXIF_HEADER) :])
        elif marker == 0xE1 and payload.startswith(XMP_HEADER):
            blocks.xmp.append(payload[len(XMP_HEADER) :])
        elif marker == 0xE1 and payload.startswith(XMP_EXTENSION_HEADER):
            body = payload[len(XMP_EXTENSION_HEADER) :]
            if len(body) > 40:
                guid = body[:32]
                (offset,) = struct.unpack_from(">I", body, 36)
                extended.setdefault(guid, {})[offset] = body[40:]
        elif marker == 0xE1 and payload.startswith(FLIR_HEADER):
            blocks.flir = True
            flir_chunks.append(payload[8:])
        elif marker == 0xED and payload.startswith(PHOTOSHOP_HEADER):
            blocks.iptc = photoshop_iptc(payload[len(PHOTOSHOP_HEADER) :]) or blocks.iptc
        elif marker == 0xE2 and head.startswith(ICC_HEADER):
            blocks.icc = True
        elif marker == 0xFE:
            blocks.comment = True
        elif marker == 0xE0 and not head.startswith(b"JFIF\x00"):
            blocks.vendor_segments.append("APP0")  # JFXX thumbnail or Canon CIFF (owner name)
        elif 0xE1 <= marker <= 0xEF and marker not in (0xE2, 0xEE):
            blocks.vendor_segments.append(f"APP{marker - 0xE0}")
    for parts in extended.values():
        blocks.xmp.append(b"".join(parts[k] for k in sorted(parts)))
    blocks.flir_data = b"".join(flir_chunks)
    return blocks


# --- PNG ------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_NAME_KEYWORDS = {b"author": "creator", b"artist": "creator", b"copyright": "copyright",
                      b"owner": "owner"}  # fmt: skip


def _cut_short(
    problem: str, chunks: list[tuple[bytes, int, int]], damage: list[str] | None
) -> list[tuple[bytes, int, int]]:
    """End a chunk walk: a MetadataError for the stripper, or the chunks so far for a reader
    (which passes ``damage`` to learn why the walk stopped)."""
    if damage is None:
        raise MetadataError(problem)
    damage.append(problem)
    return chunks


def png_chunks(
    data: bytes | memoryview, damage: list[str] | None = None
) -> list[tuple[bytes, int, int]]:
    """(type, data start, data end) of every chunk. A chunk cut off is a MetadataError, unless
    ``damage`` is given: then the walk stops there, notes why, and returns the chunks before."""
    if bytes(data[:8]) != PNG_SIGNATURE:
        raise MetadataError("not a PNG")
    chunks: list[tuple[bytes, int, int]] = []
    position = 8
    while position + 8 <= len(data):
        if len(chunks) >= MAX_BOXES:
            return _cut_short(f"the PNG has more than {MAX_BOXES:,} chunks", chunks, damage)
        length, kind = struct.unpack_from(">I4s", data, position)
        if not kind.isalpha():  # every PNG chunk type is four ASCII letters
            return _cut_short(f"no PNG chunk at byte {position}", chunks, damage)
        start, end = position + 8, position + 8 + length
        if end + 4 > len(data):
            return _cut_short(f"PNG chunk {kind!r} runs past the end of the file", chunks, damage)
        chunks.append((kind, start, end))
        position = end + 4
        if kind == b"IEND":
            return chunks
    if damage is not None:
        damage.append("the PNG is truncated (no IEND chunk)")
    return chunks


def _raw_profile(text: bytes) -> bytes | None:
    """ImageMagick's "Raw profile type exif": a header line, a length, then hex digits."""
    lines = text.strip().split(b"\n")
    if len(lines) < 3:
        return None
    try:
        return bytes.fromhex(b"".join(lines[2:]).decode("ascii"))
    except ValueError:
        return None


def _inflate(blocks: Blocks, packed: bytes, limit: int, what: str) -> bytes | None:
    """Inflate at most ``limit`` bytes (a 1 MB chunk can claim 1 GB: zip-bomb sized). Past the
    limit, a value that is only a name keeps its first part; anything else is dropped, noted."""
    inflater = zlib.decompressobj()
    value = inflater.decompress(packed, limit)
    if inflater.unconsumed_tail and limit > _NAME_BYTES:
        blocks.problems.append(f"{what} inflates past {limit:,} bytes; not read")
        return None
    if blocks.copied + len(value) > MAX_TOTAL_BLOCK_BYTES:
        blocks.problems.append(f"{what} not read (over the size limit)")
        return None
    blocks.copied += len(value)
    return value


_PNG_BLOCKS = {b"eXIf", b"tEXt", b"zTXt", b"iTXt"}
_PNG_KEYWORD_BLOCKS = {b"XML:com.adobe.xmp", b"Raw profile type exif", b"Raw profile type APP1",
                       b"Raw profile type iptc"}  # fmt: skip


def png_blocks(data: bytes | memoryview) -> Blocks:
    blocks = Blocks()
    for kind, start, end in png_chunks(data, blocks.damage):
        if kind == b"iCCP":
            blocks.icc = True
        if kind not in _PNG_BLOCKS:
            continue  # image data is never copied
        keyword = b"" if kind == b"eXIf" else bytes(data[start : min(end, start + 80)])
        keyword = keyword.partition(b"\x00")[0]
        name_kind = _PNG_NAME_KEYWORDS.get(keyword.lower())
        if kind != b"eXIf" and name_kind is None and keyword not in _PNG_KEYWORD_BLOCKS:
            continue  # a comment or a software tag: nothing identifying is read from it
        limit = _NAME_BYTES if name_kind is not None else MAX_BLOCK_BYTES
        if name_kind is not None:  # a name: its first part is enough, however long it says it is
            end = min(end, start + len(keyword) + 4 + limit)
        body = blocks.take(data, start, end, kind.decode())
        if body is None:
            continue
        if kind == b"eXIf":
            blocks.exif.append(_strip_exif_prefix(body))
        else:
            _, _, rest = body.partition(b"\x00")
            value: bytes | None = rest
            try:
                if kind == b"zTXt":
                    value = _inflate(blocks, rest[1:], limit, f"zTXt {keyword!r}")
                elif kind == b"iTXt":
                    flag, rest = rest[0], rest[2:]
                    _, _, rest = rest.partition(b"\x00")  # language
                    _, _, value = rest.partition(b"\x00")  # translated keyword
                    if flag:
                        value = _inflate(blocks, value, limit, f"iTXt {keyword!r}")
            except (zlib.error, IndexError):
                continue
            if value is None:
                continue
            if name_kind is not None:
                blocks.add_name(name_kind, value.decode("utf-8", "replace"))
            if keyword == b"XML:com.adobe.xmp":
                blocks.xmp.append(value)
            elif keyword in (b"Raw profile type exif", b"Raw profile type APP1"):
                raw = _raw_profile(value)
                if raw:
                    blocks.exif.append(_strip_exif_prefix(raw))
            elif keyword == b"Raw profile type iptc":
                raw = _raw_profile(value)
                if raw:
                    blocks.iptc = photoshop_iptc(raw) or raw
    return blocks


# --- WebP -----------------------------------------------------------------------------------


def riff_chunks(
    data: bytes | memoryview, damage: list[str] | None = None
) -> list[tuple[bytes, int, int]]:
    """(type, data start, data end) of every WebP chunk; a cut-off chunk as in ``png_chunks``."""
    if bytes(data[:4]) != b"RIFF" or bytes(data[8:12]) != b"WEBP":
        raise MetadataError("not a WebP file")
    chunks: list[tuple[bytes, int, int]] = []
    position = 12
    while position + 8 <= len(data):
        if len(chunks) >= MAX_BOXES:
            return _cut_short(f"the WebP has more than {MAX_BOXES:,} chunks", chunks, damage)
        kind, length = struct.unpack_from("<4sI", data, position)
        if not all(0x20 <= c < 0x7F for c in kind):  # a FourCC is printable ASCII
            return _cut_short(f"no WebP chunk at byte {position}", chunks, damage)
        start, end = position + 8, position + 8 + length
        if end > len(data):
            return _cut_short(f"WebP chunk {kind!r} runs past the end of the file", chunks, damage)
        chunks.append((kind, start, end))
        position = end + (length & 1)
    return chunks


def webp_blocks(data: bytes | memoryview) -> Blocks:
    blocks = Blocks()
    for kind, start, end in riff_chunks(data, blocks.damage):
        body = blocks.take(data, start, end, kind.decode()) if kind in (b"EXIF", b"XMP ") else None
        if kind == b"EXIF" and body is not None:
            blocks.exif.append(_strip_exif_prefix(body))
        elif kind == b"XMP " and body is not None:
            blocks.xmp.append(body)
        elif kind == b"ICCP":
            blocks.icc = True
    return blocks


# --- ISO base media (HEIC/HEIF/AVIF, MP4/MOV, JPEG XL container) -------------------------------


def iter_boxes(data: bytes | memoryview, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes between ``start`` and ``end``."""
    boxes: list[tuple[bytes, int, int]] = []
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
            blocks.exif.append(_strip_exif_prefix(payload[4 + skip :]))
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
        raw = bytes(data[start + 16 : min(end, start + max(size, 16), start + 16 + _NAME_BYTES)])
    elif end - start >= 4:
        (length,) = struct.unpack_from(">H", data, start)
        raw = bytes(data[start + 4 : min(end, start + 4 + length, start + 4 + _NAME_BYTES)])
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
        said_bytes = bytes(data[value[0] + 8 : min(value[1], value[0] + 8 + _NAME_BYTES)])
        if key.endswith(b"location.ISO6709") and location is None:
            location = parse_iso6709(said_bytes[:64])
        elif key in _VIDEO_NAME_KEYS:
            said = said_bytes.decode("utf-8", "replace").strip()
            if said:
                blocks.add_name(_VIDEO_NAME_KEYS[key], said)
    return location


_LOCI_BYTES = 4 + 2 + _NAME_BYTES + 2 + 1 + 12
"""What a 3GPP ``loci`` box is read up to: version and flags, language, a place name of at most
``_NAME_BYTES`` with its terminator, the role, then longitude, latitude and altitude. The
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
                blocks.exif.append(_strip_exif_prefix(exif))
        elif kind == b"xml " and (packet := blocks.take(data, start, end, "XML box")):
            blocks.xmp.append(packet)
    return blocks


# --- GIF ------------------------------------------------------------------------------------

GIF_XMP = b"\x21\xff\x0bXMP DataXMP"


_GIF_TRAILER = b"\x01\xff\xfe\xfd"
"""Start of the 258-byte "magic trailer" after a GIF's raw XMP (it counts down to 0x00, so a
decoder reading the XMP as sub-blocks lands on a terminator whatever the text)."""


def _colour_table(flags: int) -> int:
    return 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0


def gif_blocks(data: bytes | memoryview) -> Blocks:
    """XMP in a GIF's application extension (stored raw, ended by the magic trailer), found by
    walking the GIF's blocks (never by searching the whole file: a 2 GB file of nothing would be
    read from end to end). The walk is bounded by ``MAX_BOXES`` sub-blocks."""
    blocks = Blocks()
    size = len(data)
    if size < 13:
        return blocks
    position = 13 + _colour_table(data[10])
    steps = 0
    while position < size and data[position] != 0x3B:
        xmp_start = None
        if data[position] == 0x21:  # extension: label, then sub-blocks
            if bytes(data[position : position + len(GIF_XMP)]) == GIF_XMP:
                xmp_start = position + len(GIF_XMP)
            position += 2
        elif data[position] == 0x2C and position + 10 <= size:  # image: descriptor, table, LZW
            position += 10 + _colour_table(data[position + 9]) + 1
        else:
            blocks.problems.append(f"GIF block structure ends at byte {position}")
            break
        while position < size:  # sub-blocks, each a length byte and that many bytes
            steps += 1
            if steps > MAX_BOXES:
                blocks.problems.append(f"more than {MAX_BOXES:,} GIF sub-blocks")
                return blocks
            length = data[position]
            position += 1 + length
            if length == 0:
                break
        if xmp_start is not None:
            body = blocks.take(data, xmp_start, min(position, size), "GIF XMP")
            if body is not None:
                end = body.find(_GIF_TRAILER)
                blocks.xmp.append(body[:end] if end >= 0 else body)
    return blocks


def tiff_xmp_iptc(data: bytes | memoryview, xmp: object, iptc: object) -> Blocks:
    """XMP and IPTC stored as tags inside a TIFF-based file's first IFD."""
    blocks = Blocks()
    if isinstance(xmp, bytes):
        blocks.xmp.append(xmp)
    elif isinstance(xmp, tuple):
        blocks.xmp.append(bytes(v & 0xFF for v in xmp if isinstance(v, int)))
    if isinstance(iptc, bytes):
        blocks.iptc = iptc
    elif isinstance(iptc, tuple) and iptc and isinstance(iptc[0], int):
        if all(0 <= v < 256 for v in iptc):
            blocks.iptc = bytes(iptc)
        else:
            blocks.iptc = b"".join(struct.pack(">I", v & 0xFFFFFFFF) for v in iptc)
    return blocks
