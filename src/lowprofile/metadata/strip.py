"""Removing identifying metadata from photos, losslessly, and never losing the original.

What is kept is an ALLOWLIST of the parts that define the pixels and how they display; everything
else goes, including chunk and segment kinds nobody has invented yet (a denylist let PNG ``EXIF``,
``exIf`` and ``zxIf`` chunks through with their GPS):

* JPEG: frame headers, Huffman/quantisation/restart tables and the scans (copied byte for byte,
  up to the end-of-image marker), the JFIF header without its thumbnail, the ICC profile (APP2)
  and the Adobe colour transform (APP14). Orientation goes back in a minimal Exif.
* PNG: ``PNG_KEEP`` (pixels, palette, transparency, colour space, pixel aspect, APNG frames).
* WebP: ``WEBP_KEEP`` (bitstreams, alpha, animation, ICC), and inside each animation frame only
  its bitstream and alpha.

Other formats are only re-encoded when the user asks for it.

Fail closed: the new file is written beside the target, re-read and checked (only allowlisted
parts, nothing the reader calls identifying, the same image data) and only then renamed into
place. Anything that cannot be parsed, rewritten or verified is NOT CLEANED and nothing is
written. Only regular files up to ``MAX_STRIP_BYTES`` are read: a FIFO, a device or a link to
``/dev/zero`` is refused before a byte is read.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from lowprofile.errors import MetadataError, StripError
from lowprofile.files import atomic_writer
from lowprofile.metadata.containers import (
    ICC_HEADER,
    JpegLayout,
    jpeg_segments,
    png_chunks,
    riff_chunks,
)
from lowprofile.metadata.reader import PhotoMetadata, read_from
from lowprofile.metadata.sniff import sniff

MAX_STRIP_BYTES = 256 * 1024 * 1024
"""The largest photo strip will read. Strip holds a photo in memory three times (original,
cleaned copy, the copy read back to verify it), so this bounds it near 800 MB; a 100-megapixel
JPEG is about 60 MB. Larger files are refused with this figure in the message, unread."""

LOSSLESS = {"jpeg", "png", "webp"}
WEBP_FLAG_ICC, WEBP_FLAG_EXIF, WEBP_FLAG_XMP = 0x20, 0x08, 0x04

JPEG_PIXEL_MARKERS = frozenset(range(0xC0, 0xD0)) | {0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
"""SOF0-15, DHT, DAC (0xC0-0xCF), DQT, DNL, DRI, DHP, EXP: what a decoder needs for the pixels."""
ADOBE_LENGTH = 12
"""``Adobe``, version, two flag words, colour transform."""
JFIF_HEADER_LENGTH = 14
"""``JFIF\\0``, version, units, X/Y density, thumbnail width/height: the header with no thumbnail
(a thumbnail is a second, uncropped picture)."""

PNG_PIXEL_CHUNKS = frozenset(
    {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"acTL", b"fcTL", b"fdAT", b"IEND"}
)
"""Chunks that define the decoded pixels (APNG frames included): what verification compares."""
PNG_KEEP = PNG_PIXEL_CHUNKS | {
    b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"cICP", b"mDCV", b"cLLI", b"pHYs",
}  # fmt: skip
"""Pixels plus how they display: gamma, chromaticities, sRGB intent, significant bits, HDR
colour (cICP/mDCV/cLLI) and pixel aspect (pHYs). ``iCCP`` is added when the profile is kept.
Left out on purpose: text (tEXt/zTXt/iTXt), time (tIME), every Exif spelling, bKGD/hIST/sPLT
(viewer hints), and private chunks (Apple's iDOT, C2PA's caBX...)."""
PNG_LENGTHS: dict[bytes, range] = {
    b"IHDR": range(13, 14), b"gAMA": range(4, 5), b"cHRM": range(32, 33), b"sRGB": range(1, 2),
    b"pHYs": range(9, 10), b"cICP": range(4, 5), b"mDCV": range(24, 25), b"cLLI": range(8, 9),
    b"acTL": range(8, 9), b"fcTL": range(26, 27), b"IEND": range(0, 1), b"sBIT": range(1, 5),
    b"PLTE": range(3, 769, 3), b"tRNS": range(0, 257),
}  # fmt: skip
"""The sizes the PNG specification allows for the small kept chunks: a longer one could carry
anything past its fields, so it is refused rather than copied."""
PNG_ORIENTATION_CHUNK = b"eXIf"
"""Written by strip itself, holding nothing but Orientation."""

WEBP_PIXEL_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"})
WEBP_KEEP = WEBP_PIXEL_CHUNKS | {b"VP8X"}
"""Bitstreams, alpha, animation and the extended header; ``ICCP`` added when kept."""
WEBP_FRAME_KEEP = frozenset({b"VP8 ", b"VP8L", b"ALPH"})
"""Inside an ANMF frame, after its 16-byte header: the frame's bitstream and alpha only (the
format allows unknown chunks there, which could carry anything)."""
ANMF_HEADER = 16

_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
"""The next real marker inside entropy-coded data: 0xFF not followed by a stuffed zero, a restart
marker or another fill byte. One C-speed search per scan instead of a Python step per 0xFF."""


@dataclass
class StripOptions:
    keep_orientation: bool = True
    keep_icc: bool = True
    reencode: bool = False
    verify_pixels: bool = False
    """Also decode both files and compare pixels (slow; the default check is already exact)."""


@dataclass
class StripOutcome:
    """What happened to one file: where the clean copy is, how it was made, what went."""

    path: str
    output: str | None = None
    cleaned: bool = False
    method: str = ""
    """``lossless`` or ``re-encoded`` (quality may have changed)."""
    removed: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None
    """Why the file was deliberately left alone (one of lowprofile's own cleaned copies, the same
    photo as another path); a skipped file is not a failure."""
    notes: list[str] = field(default_factory=list)
    """What the person should know: a renamed output, a link cleaned through, a replaced file."""


@contextlib.contextmanager
def open_regular(path: Path, limit: int | None = None) -> Iterator[BinaryIO]:
    """``path`` opened for reading, when it is a regular file of at most ``limit`` bytes.

    Opened non-blocking (opening a FIFO would otherwise wait forever for a writer) and checked
    with ``fstat`` on the open descriptor, so what is checked is what is read.
    """
    limit = MAX_STRIP_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StripError(f"not a regular file ({_file_type(info.st_mode)}): not read")
        if info.st_size > limit:
            raise StripError(
                f"{info.st_size:,} bytes is over strip's limit of {limit:,} bytes: not read"
            )
        yield handle


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """All of a regular file of at most ``limit`` bytes (see ``open_regular``)."""
    limit = MAX_STRIP_BYTES if limit is None else limit
    with open_regular(path, limit) as handle:
        size = os.fstat(handle.fileno()).st_size
        data = handle.read(size + 1)  # not read(limit): that would allocate the whole limit
    if len(data) != size:
        raise StripError("the file changed size while being read")
    if not data:
        raise StripError("the file is empty")
    return data


def sniff_regular(path: Path) -> str | None:
    """The kind of photo a regular file holds (None: not one), reading only its first bytes."""
    with open_regular(path) as handle:
        return sniff(handle.read(32))


NOT_STRIPPED = {
    "video": "a video cannot be cleaned here (photos only): re-export it without location, or "
    "remove its metadata with a video tool, before sharing it"
}
"""Kinds no option of strip cleans, and what to do instead (re-encoding makes still images)."""


def needs_reencode(kind: str) -> StripError:
    if kind in NOT_STRIPPED:
        return StripError(NOT_STRIPPED[kind])
    return StripError(
        f"{kind.upper()} cannot be cleaned losslessly here; "
        "--reencode makes a new JPEG without metadata (quality may change)"
    )


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _part_name(kind: bytes) -> str:
    """A chunk type as text that is safe to print (hostile files put anything there)."""
    return kind.decode("ascii", "backslashreplace").strip() or repr(kind)


@dataclass
class Source:
    """One original, read once: its bytes, its kind, what the reader found, and (computed at
    most once) the JPEG image data both the stripper and the verifier need."""

    data: bytes
    kind: str
    meta: PhotoMetadata
    dropped_between_scans: list[str] = field(default_factory=list)

    @cached_property
    def layout(self) -> JpegLayout:
        return jpeg_segments(self.data)

    @cached_property
    def jpeg_image_data(self) -> bytes:
        if self.layout.sos is None:
            raise StripError("the JPEG has no image data")
        return _jpeg_image_data(self.data, self.layout.sos, self.dropped_between_scans)

    @cached_property
    def essence(self) -> Essence:
        return image_essence(self.kind, self.data, self)


Essence = tuple[bytes, ...]


def image_essence(
    kind: str, data: bytes, source: Source | None = None, layout: JpegLayout | None = None
) -> Essence:
    """The bytes that define the decoded pixels, in order: for JPEG the tables and frame header,
    then every scan; for PNG and WebP the pixel chunks. Two files with the same essence decode to
    the same pixels, because a decoder sees the same bitstream; this is how every strip is
    verified without paying for two full decodes.

    For the original (``source`` given) the JPEG scans are walked once, to find where the image
    data ends. A cleaned copy is ours: its scans are taken as they stand from its SOS to its end,
    so any byte that differs from the original's image data, or any byte after it, fails the
    comparison without walking the scans a second time.
    """
    if kind == "jpeg":
        if layout is None:
            layout = source.layout if source is not None else jpeg_segments(data)
        if layout.sos is None:
            raise StripError("no image data")
        tables = b"".join(
            data[seg.start : seg.end] for seg in layout.segments if seg.marker in JPEG_PIXEL_MARKERS
        )
        # A copy is a memcpy; comparing a memoryview with bytes would go byte by byte.
        scans = source.jpeg_image_data if source is not None else data[layout.sos :]
        return tables, scans
    if kind == "png":
        return (
            b"".join(
                data[start - 8 : end + 4]
                for k, start, end in png_chunks(data)
                if k in PNG_PIXEL_CHUNKS
            ),
        )
    if kind == "webp":
        return (
            b"".join(
                _webp_chunk(data, k, start, end)
                for k, start, end in riff_chunks(data)
                if k in WEBP_PIXEL_CHUNKS
            ),
        )
    raise StripError(f"no lossless check for {kind}")


def orientation_tiff(orientation: int) -> bytes:
    """A TIFF block holding only the Orientation tag (big-endian, one IFD entry)."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    return tiff + struct.pack(">I", 0)


def _kept_orientation(meta: PhotoMetadata, options: StripOptions) -> int | None:
    """The Orientation to write back, when there is one that is not the default."""
    value = meta.orientation
    if options.keep_orientation and value and value != 1 and 1 <= value <= 8:
        return value
    return None


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


def strip_jpeg(source: Source, options: StripOptions) -> tuple[bytes, list[str]]:
    data = source.data
    layout = source.layout
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
    orientation = _kept_orientation(source.meta, options)
    insert = [minimal_exif(orientation)] if orientation else []
    body = b"".join([b"\xff\xd8", *head, *insert, *kept])
    cleaned = body + source.jpeg_image_data
    return cleaned, sorted(set(removed + source.dropped_between_scans))


def _segment_name(marker: int) -> str:
    if marker == 0xFE:
        return "COM"
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    return f"marker 0x{marker:02X}"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_keep(options: StripOptions) -> frozenset[bytes]:
    return PNG_KEEP | {b"iCCP"} if options.keep_icc else PNG_KEEP


def strip_png(source: Source, options: StripOptions) -> tuple[bytes, list[str]]:
    data = source.data
    out = bytearray(data[:8])
    removed = []
    keep = _png_keep(options)
    for kind, start, end in png_chunks(data):
        if kind not in keep:
            removed.append(_part_name(kind))
            continue
        if kind in PNG_LENGTHS and end - start not in PNG_LENGTHS[kind]:
            raise StripError(f"a malformed {_part_name(kind)} chunk ({end - start} bytes)")
        out += data[start - 8 : end + 4]
        if kind == b"IHDR" and (orientation := _kept_orientation(source.meta, options)):
            out += _png_chunk(PNG_ORIENTATION_CHUNK, orientation_tiff(orientation))
    if not out.endswith(_png_chunk(b"IEND", b"")):
        raise StripError("the PNG has no IEND chunk (truncated)")
    return bytes(out), sorted(set(removed))


def _riff_parts(data: bytes, position: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, data start, data end) of the RIFF chunks in ``data[position:end]``."""
    parts = []
    while position + 8 <= end:
        kind, length = struct.unpack_from("<4sI", data, position)
        start, stop = position + 8, position + 8 + length
        if stop > end:
            raise StripError(f"WebP chunk {_part_name(kind)} runs past its frame")
        parts.append((kind, start, stop))
        position = stop + (length & 1)
    return parts


def _webp_chunk(data: bytes, kind: bytes, start: int, end: int) -> bytes:
    """One chunk with its padding; an ANMF frame rebuilt with only its bitstream and alpha."""
    if kind != b"ANMF":
        return data[start - 8 : end + ((end - start) & 1)]
    if end - start < ANMF_HEADER:
        raise StripError("a WebP animation frame is too short")
    body = bytearray(data[start : start + ANMF_HEADER])
    for sub, sub_start, sub_end in _riff_parts(data, start + ANMF_HEADER, end):
        if sub in WEBP_FRAME_KEEP:
            body += _webp_chunk(data, sub, sub_start, sub_end)
    return b"ANMF" + struct.pack("<I", len(body)) + bytes(body)


def _webp_keep(options: StripOptions) -> frozenset[bytes]:
    return WEBP_KEEP | {b"ICCP"} if options.keep_icc else WEBP_KEEP


def strip_webp(source: Source, options: StripOptions) -> tuple[bytes, list[str]]:
    data = source.data
    chunks = riff_chunks(data)
    payload = bytearray()
    removed = []
    keep = _webp_keep(options)
    for kind, start, end in chunks:
        if kind not in keep:
            removed.append(_part_name(kind))
            continue
        chunk = bytearray(_webp_chunk(data, kind, start, end))
        if kind == b"VP8X":
            if len(chunk) < 9:
                raise StripError("the WebP extended header is too short")
            chunk[8] &= ~(WEBP_FLAG_EXIF | WEBP_FLAG_XMP | WEBP_FLAG_ICC)
            if b"ICCP" in keep and any(k == b"ICCP" for k, _, _ in chunks):
                chunk[8] |= WEBP_FLAG_ICC
        payload += chunk
    orientation = _kept_orientation(source.meta, options)
    if orientation:
        if not any(kind == b"VP8X" for kind, _, _ in chunks):
            raise StripError(
                "a simple WebP cannot carry its Orientation; use --no-keep-orientation"
            )
        tiff = orientation_tiff(orientation)
        payload += b"EXIF" + struct.pack("<I", len(tiff)) + tiff + b"\x00" * (len(tiff) & 1)
        flags_at = payload.find(b"VP8X") + 8
        payload[flags_at] |= WEBP_FLAG_EXIF
    body = b"WEBP" + bytes(payload)
    return b"RIFF" + struct.pack("<I", len(body)) + body, sorted(set(removed))


def only_allowlisted(
    kind: str, data: bytes, options: StripOptions, layout: JpegLayout | None = None
) -> None:
    """Raise StripError if a cleaned file holds any part outside the allowlist.

    This does not depend on the reader knowing where a format can hide metadata: a chunk it has
    never heard of fails here, and the only Exif allowed is strip's own, holding one Orientation.
    """
    orientation_only = {orientation_tiff(o) for o in range(2, 9)}
    if kind == "jpeg":
        layout = layout or jpeg_segments(data)
        for seg in layout.segments:
            body = data[seg.payload_start : seg.end]
            ok = (
                seg.marker in JPEG_PIXEL_MARKERS
                or _keep_jpeg_segment(data, seg.marker, seg.payload_start, options)
                or (seg.marker == 0xE0 and body.startswith(b"JFIF\x00") and len(body) == 14)
                or (seg.marker == 0xEE and body.startswith(b"Adobe") and len(body) <= ADOBE_LENGTH)
                or (seg.marker == 0xE1 and body[6:] in orientation_only)
            )
            if not ok:
                raise StripError(f"the cleaned file still has a 0x{seg.marker:02X} segment")
            if seg.marker in JPEG_PIXEL_MARKERS and (
                problem := jpeg_table_problem(seg.marker, body)
            ):
                raise StripError(f"the cleaned file has {problem}")
    elif kind == "png":
        keep = _png_keep(options)
        for chunk, start, end in png_chunks(data):
            own = chunk == PNG_ORIENTATION_CHUNK and data[start:end] in orientation_only
            if chunk not in keep and not own:
                raise StripError(f"the cleaned file still has a {_part_name(chunk)} chunk")
    elif kind == "webp":
        keep = _webp_keep(options)
        for chunk, start, end in riff_chunks(data):
            own = chunk == b"EXIF" and data[start:end] in orientation_only
            if chunk not in keep and not own:
                raise StripError(f"the cleaned file still has a {_part_name(chunk)} chunk")


def _pixels(path: Path) -> tuple[str, tuple[int, int], bytes]:
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        # Pillow warns about MPO frames we removed and about very large images; neither matters
        # for a pixel comparison, and a warning must not abort a strip.
        warnings.simplefilter("ignore")
        with Image.open(path) as image:
            image.load()
            return image.mode, image.size, image.tobytes()


def verify_clean(
    candidate: Path,
    source: Source | None,
    options: StripOptions,
    original: Path | None = None,
) -> None:
    """Raise StripError unless ``candidate`` holds only allowlisted parts and nothing the reader
    calls identifying; with ``source`` (a lossless strip) also that it has the same image data
    and kept what the options say to keep; with ``original`` and ``--verify-pixels``, that both
    decode to the same pixels."""
    data = read_regular(candidate)
    kind = sniff(data[:32])
    if kind is None:
        raise StripError("the cleaned file is not recognisable as an image")
    if source is not None and kind != source.kind:
        raise StripError(f"the cleaned file reads as {kind}, not {source.kind}")
    try:
        meta = read_from(data, str(candidate), kind)
        left = meta.identifying
        if left:
            raise StripError(f"the cleaned file still holds: {', '.join(left)}")
        layout = jpeg_segments(data) if kind == "jpeg" else None
        only_allowlisted(kind, data, options, layout)
    except MetadataError as exc:
        raise StripError(f"the cleaned file does not read back: {exc}") from exc
    if source is not None:
        before = source.meta
        if options.keep_icc and before.has_icc and not meta.has_icc:
            raise StripError("the cleaned file lost its colour profile")
        wanted = before.orientation if options.keep_orientation else None
        if (wanted or 1) != (meta.orientation or 1):
            raise StripError("the cleaned file would not display the same way up")
        if layout is not None and (layout.problems or layout.damage):
            raise StripError("the cleaned JPEG's segment structure is damaged")
        if image_essence(kind, data, layout=layout) != source.essence:
            raise StripError("the cleaned file's image data differs from the original's")
    if original is not None and options.verify_pixels:
        try:
            if _pixels(original) != _pixels(candidate):
                raise StripError("the cleaned file's pixels differ from the original's")
        except (OSError, SyntaxError, ValueError) as exc:
            raise StripError(f"the cleaned file does not decode: {exc}") from exc


def _reencode(data: bytes, kind: str, tmp: Path) -> list[str]:
    """Decode and save again without metadata; a new container, possibly new quality."""
    import io
    import warnings

    from PIL import Image

    if kind == "heif":
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError as exc:
            raise StripError(
                "re-encoding HEIC needs pillow-heif (pip install pillow-heif)"
            ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                source = image if image.mode in ("RGB", "L") else image.convert("RGB")
                # A fresh image from raw pixels carries no info dictionary: nothing can leak.
                clean = Image.frombytes(source.mode, source.size, source.tobytes())
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise StripError(f"cannot decode it to re-encode: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise StripError(f"too many pixels to re-encode: {exc}") from exc
    clean.save(tmp, format="JPEG", quality=95, subsampling=0)
    return ["all metadata (re-encoded as JPEG, quality 95)"]


STRIPPERS = {"jpeg": strip_jpeg, "png": strip_png, "webp": strip_webp}


@dataclass
class Written:
    """A verified clean file in place: how it was made and what went."""

    path: Path
    method: str
    removed: list[str]


def clean_to(
    original: Path,
    target: Path,
    options: StripOptions,
    *,
    replace: bool = True,
    sync_dir: bool = True,
    keep: os.stat_result | None = None,
) -> Written:
    """Clean the regular file ``original`` into ``target`` (which may be ``original`` itself).

    ``keep``: the original's ``os.stat`` from before anything read it; the cleaned file takes
    its mode and times (in place, where it stands for the original; a copy stays 0600 and new).

    ``replace=False``: ``target`` must not exist when the rename comes (re-encoding in place to
    a new name must never land on another photo). ``sync_dir=False``: the caller fsyncs the
    folder once for a whole batch. Raises StripError, MetadataError or OSError; on any of them
    nothing was written.
    """
    data = read_regular(original)
    kind = sniff(data[:32])
    if kind is None:
        raise StripError("not a photo lowprofile recognises")
    meta = read_from(data, str(original), kind)
    with atomic_writer(target, sync_dir=sync_dir, keep=keep) as tmp:
        if kind in LOSSLESS:
            source = Source(data, kind, meta)
            cleaned, removed = STRIPPERS[kind](source, options)
            tmp.write_bytes(cleaned)
            verify_clean(tmp, source, options, original)
            method = "lossless"
        elif options.reencode:
            removed = _reencode(data, kind, tmp)
            verify_clean(tmp, None, StripOptions())
            method = "re-encoded"
        else:
            raise needs_reencode(kind)
        if not replace and os.path.lexists(target):
            raise StripError(f"{target.name} appeared while cleaning: it was left alone")
    return Written(target, method, removed)
