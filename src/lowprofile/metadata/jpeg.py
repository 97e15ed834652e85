"""JPEG: its marker segments walked once, read for metadata and rewritten without it.

The one walker is ``jpeg_segments`` (segments up to the image data, bounded by ``limits``); the
reader (``jpeg_blocks``), the stripper (``strip_jpeg``) and the verifier (``JpegWalk``) all use
it. What strip keeps is an ALLOWLIST: frame headers, Huffman/quantisation/restart tables and the
scans (copied byte for byte, up to the end-of-image marker), the JFIF header without its
thumbnail, the ICC profile (APP2) and the Adobe colour transform (APP14). Orientation goes back in
a minimal Exif.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lowprofile.errors import MetadataError, StripError
from lowprofile.metadata.blocks import (
    EXIF_HEADER,
    FLIR_HEADER,
    ICC_HEADER,
    PHOTOSHOP_HEADER,
    XMP_EXTENSION_HEADER,
    XMP_HEADER,
    Blocks,
)
from lowprofile.metadata.cleaning import (
    ORIENTATION_ONLY,
    Essence,
    Source,
    StripOptions,
    kept_orientation,
    orientation_tiff,
)
from lowprofile.metadata.iptc import photoshop_iptc
from lowprofile.metadata.limits import MAX_BOXES, MAX_STRAY_BYTES

# --- walking and reading ----------------------------------------------------------------


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
    """EXIF, XMP (extended packets joined), IPTC, FLIR data and what other segments are there,
    from the segments before the image data; only the wanted APP1/APP13 payloads are copied."""
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


def raf_blocks(data: Any) -> Blocks:
    """A Fujifilm RAF: its metadata is in the JPEG preview, whose offset the header gives."""
    (offset,) = struct.unpack_from(">I", data, 84)
    if offset >= len(data):
        raise MetadataError("RAF preview offset points past the end of the file")
    return jpeg_blocks(data, offset)


# --- stripping and verifying ----------------------------------------------------------------

JPEG_PIXEL_MARKERS = frozenset(range(0xC0, 0xD0)) | {0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
"""SOF0-15, DHT, DAC (0xC0-0xCF), DQT, DNL, DRI, DHP, EXP: what a decoder needs for the pixels."""
ADOBE_LENGTH = 12
"""``Adobe``, version, two flag words, colour transform."""
JFIF_HEADER_LENGTH = 14
"""``JFIF\\0``, version, units, X/Y density, thumbnail width/height: the header with no thumbnail
(a thumbnail is a second, uncropped picture)."""

_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
"""The next real marker inside entropy-coded data: 0xFF not followed by a stuffed zero, a restart
marker or another fill byte. One C-speed search per scan instead of a Python step per 0xFF."""


def minimal_exif(orientation: int) -> bytes:
    """An APP1 segment holding only the Orientation tag."""
    payload = b"Exif\x00\x00" + orientation_tiff(orientation)
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _table_sizes(payload: bytes, marker: int) -> int | None:
    """How many bytes the fields of a pixel segment take, read from its own counts; None when
    the counts run past the payload."""
    size = len(payload)
    if marker == 0xDB:  # DQT: (precision/id, 64 or 128 bytes) per table
        used = 0
        while used < size:
            used += 1 + 64 * (1 + (payload[used] >> 4))
        return used
    if marker == 0xC4:  # DHT: (class/id, 16 counts, the symbols) per table
        used = 0
        while used < size:
            if used + 17 > size:
                return None
            used += 17 + sum(payload[used + 1 : used + 17])
        return used
    if marker == 0xDA:  # SOS header: count, 2 per component, spectral selection, approximation
        return 1 + 2 * payload[0] + 3 if payload else None
    if marker in (0xDD, 0xDC):  # DRI, DNL
        return 2
    if marker == 0xDF:  # EXP
        return 1
    if marker == 0xCC:  # DAC: 2 bytes per conditioning table
        return size - size % 2
    if marker == 0xC8:  # reserved for JPEG extensions: nothing a decoder reads
        return None
    return 6 + 3 * payload[5] if size >= 6 else None  # SOFn and DHP: header, 3 per component


def jpeg_table_problem(marker: int, payload: bytes) -> str | None:
    """Why a pixel segment (tables, frame or scan header) cannot be kept, or None. Its length
    must be exactly what its own fields need: a longer one could carry anything past them."""
    if _table_sizes(payload, marker) != len(payload):
        return f"a malformed 0x{marker:02X} segment (its length does not match its contents)"
    return None


def _jpeg_image_data(data: bytes, sos: int, dropped: list[str] | None = None) -> bytes:
    """From the first SOS to EOI: scans, and the tables between progressive scans, verbatim.

    Segments between scans that are not pixel tables (APPn, COM, anything unknown) are dropped;
    anything after EOI (a second MPO frame with its own Exif, vendor trailers) is not copied.
    What was dropped between scans is named in ``dropped``.
    """
    parts: list[bytes] = []
    position = sos
    size = len(data)
    while position + 1 < size:
        if data[position] != 0xFF:
            break  # not at a marker: the structure is broken
        if data[position + 1] == 0xFF:
            position += 1  # a fill byte before the marker (allowed before any marker)
            continue
        marker = data[position + 1]
        if marker == 0xD9:
            parts.append(b"\xff\xd9")
            return b"".join(parts)
        if position + 4 > size:
            break
        (length,) = struct.unpack_from(">H", data, position + 2)
        end = position + 2 + length
        if length < 2 or end > size:
            break
        if marker in JPEG_PIXEL_MARKERS or marker == 0xDA:
            problem = jpeg_table_problem(marker, data[position + 4 : end])
            if problem:
                raise StripError(problem)
        if marker == 0xDA:  # SOS header, then entropy-coded data up to the next real marker
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                break
            parts.append(data[position : found.start()])
            position = found.start()
            continue
        if marker in JPEG_PIXEL_MARKERS:
            parts.append(data[position:end])
        elif dropped is not None:
            dropped.append(_segment_name(marker))
        position = end
    raise StripError("the JPEG's image data is truncated (no end-of-image marker)")


def _jfif_without_thumbnail(data: bytes, payload_start: int) -> bytes | None:
    """The APP0 JFIF segment cut to its header, thumbnail size zero; None if it is too short."""
    header = data[payload_start : payload_start + JFIF_HEADER_LENGTH]
    if len(header) < JFIF_HEADER_LENGTH:
        return None
    header = header[:-2] + b"\x00\x00"
    return b"\xff\xe0" + struct.pack(">H", len(header) + 2) + header


def _keep_jpeg_segment(data: bytes, marker: int, payload_start: int, options: StripOptions) -> bool:
    """Is this APPn one the allowlist keeps as it is? Only the ICC profile: JFIF and Adobe are
    rebuilt to their fixed headers."""
    return marker == 0xE2 and options.keep_icc and data.startswith(ICC_HEADER, payload_start)


def _adobe_header(data: bytes, payload_start: int, end: int) -> bytes:
    """The APP14 Adobe segment cut to its fixed fields (name, version, flags, colour transform):
    dropping it ruins CMYK/YCCK colours, and anything after those fields could carry anything."""
    payload = data[payload_start : min(end, payload_start + ADOBE_LENGTH)]
    return b"\xff\xee" + struct.pack(">H", len(payload) + 2) + payload


class JpegWalk:
    """A JPEG's segments, walked once; for an original, also its scans (walked at most once,
    for both the cleaned copy and the comparison that verifies it).

    A cleaned copy is ours: its scans are taken as they stand from its SOS to its end, so any
    byte that differs from the original's image data, or any byte after it, fails the comparison
    without walking the scans a second time.
    """

    def __init__(self, data: bytes, *, original: bool) -> None:
        self.data = data
        self.layout = jpeg_segments(data)
        self.original = original
        self.dropped_between_scans: list[str] = []
        """What the scan walk of an original dropped between its scans (APPn, COM…)."""

    @cached_property
    def image_data(self) -> bytes:
        """From the first SOS to the end: walked and cleaned for an original, as is for a copy."""
        if self.layout.sos is None:
            raise StripError("the JPEG has no image data")
        if not self.original:
            return self.data[self.layout.sos :]  # a copy is a memcpy; a memoryview compares slowly
        return _jpeg_image_data(self.data, self.layout.sos, self.dropped_between_scans)

    def essence(self) -> Essence:
        """The tables and frame header, then every scan."""
        if self.layout.sos is None:
            raise StripError("no image data")
        data = self.data
        tables = b"".join(
            data[seg.start : seg.end]
            for seg in self.layout.segments
            if seg.marker in JPEG_PIXEL_MARKERS
        )
        return tables, self.image_data

    def check_allowlisted(self, options: StripOptions) -> None:
        """Only pixel segments (each exactly as long as its own fields), the ICC profile, the
        bare JFIF and Adobe headers, and strip's own Orientation-only Exif."""
        data = self.data
        for seg in self.layout.segments:
            body = data[seg.payload_start : seg.end]
            ok = (
                seg.marker in JPEG_PIXEL_MARKERS
                or _keep_jpeg_segment(data, seg.marker, seg.payload_start, options)
                or (seg.marker == 0xE0 and body.startswith(b"JFIF\x00") and len(body) == 14)
                or (seg.marker == 0xEE and body.startswith(b"Adobe") and len(body) <= ADOBE_LENGTH)
                or (seg.marker == 0xE1 and body[6:] in ORIENTATION_ONLY)
            )
            if not ok:
                raise StripError(f"the cleaned file still has a 0x{seg.marker:02X} segment")
            if seg.marker in JPEG_PIXEL_MARKERS and (
                problem := jpeg_table_problem(seg.marker, body)
            ):
                raise StripError(f"the cleaned file has {problem}")

    def check_intact(self) -> None:
        """No stray bytes between segments and no damage: what strip writes has neither."""
        if self.layout.problems or self.layout.damage:
            raise StripError("the cleaned JPEG's segment structure is damaged")


def strip_jpeg(source: Source[JpegWalk], options: StripOptions) -> tuple[bytes, list[str]]:
    """The allowlisted segments rebuilt in order (JFIF first), Orientation alone written back,
    then the original's image data; and the names of what went."""
    data = source.data
    walked = source.walked
    layout = walked.layout
    if layout.sos is None or layout.damage:
        raise StripError("; ".join(layout.damage) or "the JPEG has no image data")
    head: list[bytes] = []
    kept: list[bytes] = []
    removed: list[str] = []
    for segment in layout.segments:
        marker = segment.marker
        if marker in JPEG_PIXEL_MARKERS and (
            problem := jpeg_table_problem(marker, data[segment.payload_start : segment.end])
        ):
            raise StripError(problem)
        if marker in JPEG_PIXEL_MARKERS or _keep_jpeg_segment(
            data, marker, segment.payload_start, options
        ):
            kept.append(data[segment.start : segment.end])
            continue
        if marker == 0xEE and data.startswith(b"Adobe", segment.payload_start):
            kept.append(_adobe_header(data, segment.payload_start, segment.end))
            continue
        if marker == 0xE0 and not head and data.startswith(b"JFIF\x00", segment.payload_start):
            jfif = _jfif_without_thumbnail(data, segment.payload_start)
            if jfif is not None:
                head.append(jfif)
                if segment.end - segment.payload_start > JFIF_HEADER_LENGTH:
                    removed.append("JFIF thumbnail")
                continue
        removed.append(_segment_name(marker))
    orientation = kept_orientation(source.meta, options)
    insert = [minimal_exif(orientation)] if orientation else []
    body = b"".join([b"\xff\xd8", *head, *insert, *kept])
    cleaned = body + walked.image_data
    return cleaned, sorted(set(removed + walked.dropped_between_scans))


def _segment_name(marker: int) -> str:
    if marker == 0xFE:
        return "COM"
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    return f"marker 0x{marker:02X}"
