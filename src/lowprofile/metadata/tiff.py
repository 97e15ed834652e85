"""A small, defensive TIFF/EXIF reader: just the tags that identify a person or a place.

Every photo format hides its EXIF as a TIFF structure (JPEG APP1, PNG eXIf, WebP EXIF, HEIC Exif
item, raw files themselves). Reading the few tags we need directly is faster than a general
library and lets us be strict where libraries are lax: every offset is bounds-checked, loops are
refused, and a GPS block with a zero denominator or a 0/0 placeholder is "no location", not a
crash and not a fake place.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from lowprofile.errors import MetadataError
from lowprofile.metadata.blocks import Blocks
from lowprofile.metadata.limits import (
    MAX_IFD_ENTRIES,
    MAX_TIFF_IFD_VALUE_BYTES,
    MAX_TIFF_VALUE_BYTES,
)

# type id -> (size in bytes, struct code or None for raw bytes)
_TYPES: dict[int, tuple[int, str | None]] = {
    1: (1, "B"), 2: (1, None), 3: (2, "H"), 4: (4, "I"), 5: (8, "II"), 6: (1, "b"),
    7: (1, None), 8: (2, "h"), 9: (4, "i"), 10: (8, "ii"), 11: (4, "f"), 12: (8, "d"),
    13: (4, "I"),
}  # fmt: skip

TAG_MAKE, TAG_MODEL, TAG_SOFTWARE, TAG_ARTIST, TAG_COPYRIGHT = (
    0x010F,
    0x0110,
    0x0131,
    0x013B,
    0x8298,
)
TAG_ORIENTATION = 0x0112
TAG_EXIF_IFD, TAG_GPS_IFD, TAG_XMP, TAG_IPTC = 0x8769, 0x8825, 0x02BC, 0x83BB
TAG_DATETIME_ORIGINAL, TAG_CREATE_DATE, TAG_OWNER = 0x9003, 0x9004, 0xA430
TAG_BODY_SERIAL, TAG_LENS_SERIAL, TAG_MAKER_NOTE = 0xA431, 0xA435, 0x927C
TAG_THUMB_OFFSET, TAG_THUMB_LENGTH = 0x0201, 0x0202
TAG_DNG_SERIAL = 0xC62F  # CameraSerialNumber in DNG


@dataclass
class Ifd:
    """Tag id -> decoded value for one IFD, and where each value sits in the block."""

    tags: dict[int, Any] = field(default_factory=dict)
    offsets: dict[int, int] = field(default_factory=dict)
    """Tag id -> offset of its value in the block (maker notes are read from there)."""


@dataclass
class Exif:
    """The parts of an EXIF block that matter for exposure."""

    ifd0: Ifd = field(default_factory=Ifd)
    exif: Ifd = field(default_factory=Ifd)
    gps: Ifd = field(default_factory=Ifd)
    ifd1: Ifd = field(default_factory=Ifd)
    block: bytes | memoryview = b""
    """The TIFF block itself: maker notes point into it."""
    endian: str = "<"


class TiffReader:
    """Bounds-checked reads of IFDs; offsets are relative to the start of ``data``.

    ``endian`` is taken from the byte-order mark unless given (maker notes such as Fujifilm's
    carry no mark of their own).
    """

    def __init__(self, data: bytes | memoryview, endian: str | None = None) -> None:
        self.data = data
        if len(data) < 8:
            raise MetadataError("EXIF block too short")
        order = bytes(data[:2])
        if endian is not None:
            self.endian = endian
        elif order == b"II":
            self.endian = "<"
        elif order == b"MM":
            self.endian = ">"
        else:
            raise MetadataError("EXIF block has no byte-order mark")
        self.visited: set[int] = set()

    def unpack(self, code: str, offset: int) -> tuple[Any, ...]:
        size = struct.calcsize(self.endian + code)
        if offset < 0 or offset + size > len(self.data):
            raise MetadataError("EXIF offset points outside the block")
        return struct.unpack_from(self.endian + code, self.data, offset)

    def first_ifd(self) -> int:
        magic, offset = self.unpack("HI", 2)
        if magic not in (42, 0x4F52, 0x5352, 0x55):  # TIFF, ORF (RO/SR), RW2 (0x55)
            raise MetadataError(f"not a TIFF structure (magic {magic})")
        return int(offset)

    def ifd(self, offset: int, wanted: set[int] | None = None) -> tuple[Ifd, int]:
        """Read the IFD at ``offset``; returns it and the offset of the next IFD (0: none)."""
        if offset in self.visited:
            raise MetadataError("EXIF IFDs form a loop")
        self.visited.add(offset)
        (count,) = self.unpack("H", offset)
        if count > MAX_IFD_ENTRIES:
            raise MetadataError(f"EXIF IFD claims {count} entries")
        result = Ifd()
        budget = MAX_TIFF_IFD_VALUE_BYTES
        for i in range(count):
            entry = offset + 2 + 12 * i
            tag, type_id, n = self.unpack("HHI", entry)
            if wanted is not None and tag not in wanted:
                continue
            size = _TYPES.get(type_id, (0, None))[0] * n
            if size > min(budget, MAX_TIFF_VALUE_BYTES):
                continue  # a value larger than any real tag's is dropped before it is read
            budget -= size
            value, at = self._value(type_id, n, entry + 8)
            if value is not None:
                result.tags[tag] = value
                result.offsets[tag] = at
        next_offset = 0
        end = offset + 2 + 12 * count
        if end + 4 <= len(self.data):
            (next_offset,) = self.unpack("I", end)
        return result, int(next_offset)

    def _value(self, type_id: int, count: int, field_offset: int) -> tuple[Any, int]:
        """The decoded value and where it starts; (None, 0) for what cannot be trusted."""
        spec = _TYPES.get(type_id)
        if spec is None:
            return None, 0
        size, code = spec
        total = size * count
        if total <= 4:
            start = field_offset
        else:
            (start,) = self.unpack("I", field_offset)
        if start < 0 or start + total > len(self.data):
            return None, 0  # a tag pointing outside the block is dropped, not trusted
        raw = bytes(self.data[start : start + total])
        if code is None:
            return raw, start
        values = struct.unpack(self.endian + code * count, raw)
        if type_id in (5, 10):
            values = tuple(zip(values[0::2], values[1::2], strict=True))
        return values, start


_EXIF_TAGS = {TAG_DATETIME_ORIGINAL, TAG_CREATE_DATE, TAG_OWNER, TAG_BODY_SERIAL, TAG_LENS_SERIAL,
              TAG_MAKER_NOTE}  # fmt: skip
_IFD0_TAGS = {TAG_MAKE, TAG_MODEL, TAG_SOFTWARE, TAG_ARTIST, TAG_COPYRIGHT, TAG_ORIENTATION,
              TAG_EXIF_IFD, TAG_GPS_IFD, TAG_XMP, TAG_IPTC, TAG_DNG_SERIAL,
              *_EXIF_TAGS}  # fmt: skip
"""IFD0 tags, plus the Exif ones some writers put in IFD0 by mistake (a serial number there is
still a serial number)."""


def parse_exif(data: bytes | memoryview) -> Exif:
    """Parse a TIFF-structured EXIF block (starting at the byte-order mark)."""
    reader = TiffReader(data)
    exif = Exif(block=data, endian=reader.endian)
    try:
        offset = reader.first_ifd()
        exif.ifd0, next_ifd = reader.ifd(offset, _IFD0_TAGS)
        if next_ifd:
            try:
                exif.ifd1, _ = reader.ifd(next_ifd, {TAG_THUMB_OFFSET, TAG_THUMB_LENGTH})
            except (MetadataError, struct.error):
                pass  # a broken thumbnail directory does not hide the main tags
        pointer = _first(exif.ifd0.tags.get(TAG_EXIF_IFD))
        if isinstance(pointer, int) and pointer:
            exif.exif, _ = reader.ifd(pointer, _EXIF_TAGS)
        pointer = _first(exif.ifd0.tags.get(TAG_GPS_IFD))
        if isinstance(pointer, int) and pointer:
            exif.gps, _ = reader.ifd(pointer)
    except struct.error as exc:
        raise MetadataError(f"EXIF block is truncated ({exc})") from exc
    return exif


def _first(value: Any) -> Any:
    if isinstance(value, tuple) and value:
        return value[0]
    return value


def text(value: Any) -> str | None:
    """An ASCII/UNDEFINED tag as clean text (NULs, padding and blanks removed)."""
    if isinstance(value, bytes):
        if value.startswith((b"ASCII\0\0\0", b"UNICODE\0")):
            body = value[8:]
            decoded = (
                body.decode("utf-16", "replace")
                if value.startswith(b"UNICODE")
                else body.decode("latin-1")
            )
        else:
            decoded = value.split(b"\0", 1)[0].decode("utf-8", "replace")
        cleaned = decoded.strip().strip("\0").strip()
        return cleaned or None
    if isinstance(value, str):
        return value.strip() or None
    return None


def _rational(value: Any) -> float | None:
    if isinstance(value, tuple) and len(value) == 2:
        numerator, denominator = value
        if denominator == 0:
            return None
        return numerator / denominator
    if isinstance(value, int | float):
        return float(value)
    return None


def _degrees(value: Any) -> float | None:
    """Degrees from up to three rationals (d, m, s); a zero denominator means unknown."""
    if not isinstance(value, tuple) or not value:
        return None
    parts = [_rational(v) for v in value[:3]]
    if any(p is None for p in parts):
        return None
    d = parts[0] or 0.0
    m = parts[1] if len(parts) > 1 and parts[1] is not None else 0.0
    s = parts[2] if len(parts) > 2 and parts[2] is not None else 0.0
    return d + m / 60.0 + s / 3600.0


def valid_position(lat: float | None, lon: float | None) -> bool:
    """False for missing, out-of-range, NaN, and the 0/0 placeholder of empty GPS blocks."""
    if lat is None or lon is None:
        return False
    if lat != lat or lon != lon:  # NaN
        return False
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return False
    return not (abs(lat) < 1e-9 and abs(lon) < 1e-9)


def gps_position(gps: Ifd) -> tuple[float, float, float | None] | None:
    """Signed (lat, lon, altitude) from a GPS IFD, or None when it holds no real position."""
    lat = _degrees(gps.tags.get(2))
    lon = _degrees(gps.tags.get(4))
    if lat is None or lon is None:
        return None
    lat_ref = (text(gps.tags.get(1)) or "N").upper()[:1]
    lon_ref = (text(gps.tags.get(3)) or "E").upper()[:1]
    if lat_ref == "S":
        lat = -lat
    if lon_ref == "W":
        lon = -lon
    if not valid_position(lat, lon):
        return None
    altitude = _rational(_first(gps.tags.get(6)))
    if altitude is not None:
        ref = _first(gps.tags.get(5))
        if ref == 1 or ref == b"\x01":
            altitude = -altitude
    return lat, lon, altitude


def gps_time(gps: Ifd) -> str | None:
    date = text(gps.tags.get(29))
    stamp = gps.tags.get(7)
    if not isinstance(stamp, tuple) or len(stamp) != 3:
        return date
    parts = [_rational(v) for v in stamp]
    if any(p is None for p in parts):
        return date
    h, m, s = (int(p or 0) for p in parts)
    clock = f"{h:02d}:{m:02d}:{s:02d}"
    return f"{date} {clock}" if date else clock


def first_ifd_of(block: bytes | memoryview, wanted: set[int] | None = None) -> Ifd:
    """The first IFD of a standalone TIFF block (Canon CR3 keeps each IFD in its own block)."""
    reader = TiffReader(block)
    try:
        ifd, _ = reader.ifd(reader.first_ifd(), wanted)
    except struct.error as exc:
        raise MetadataError(f"TIFF block is truncated ({exc})") from exc
    return ifd


def exif_from_cmt(ifd0: bytes | None, exif_ifd: bytes | None, gps: bytes | None) -> Exif:
    """An Exif assembled from Canon CR3's separate TIFF blocks (CMT1, CMT2, CMT4)."""
    exif = Exif()
    if ifd0:
        exif.ifd0 = first_ifd_of(ifd0, _IFD0_TAGS)
    if exif_ifd:
        exif.exif = first_ifd_of(exif_ifd, _EXIF_TAGS - {TAG_MAKER_NOTE})
    if gps:
        exif.gps = first_ifd_of(gps)
    return exif


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
