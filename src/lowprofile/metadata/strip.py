"""Removing identifying metadata from photos, losslessly, and never losing the original.

JPEG: the segment list is rewritten (APP1 Exif/XMP, APP13 IPTC, COM and vendor APPn dropped; ICC
and the Adobe APP14 kept) and the compressed image data is copied byte for byte; Orientation is
kept in a minimal Exif so the picture still displays upright. PNG and WebP: metadata chunks are
dropped likewise. Other formats are only re-encoded when the user asks for it.

Fail closed: the new file is written beside the target, re-read and checked (nothing identifying
left, same decoded pixels) and only then renamed into place. Anything that cannot be parsed,
rewritten or verified is NOT CLEANED and nothing is written.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lowprofile.errors import MetadataError, StripError
from lowprofile.files import atomic_writer
from lowprofile.metadata.containers import (
    ICC_HEADER,
    jpeg_segments,
    png_chunks,
    riff_chunks,
)
from lowprofile.metadata.reader import PhotoMetadata, read_from
from lowprofile.metadata.sniff import sniff

LOSSLESS = {"jpeg", "png", "webp"}
PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
WEBP_FLAG_ICC, WEBP_FLAG_EXIF, WEBP_FLAG_XMP = 0x20, 0x08, 0x04


@dataclass
class StripOptions:
    keep_orientation: bool = True
    keep_icc: bool = True
    reencode: bool = False
    verify_pixels: bool = False
    """Also decode both files and compare pixels (slow; the default check is already exact)."""


PNG_IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"acTL", b"fcTL", b"fdAT", b"IEND"}
WEBP_IMAGE_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"}


def image_essence(kind: str, data: bytes) -> bytes:
    """The bytes that define the decoded pixels, in order: for JPEG the tables, frame header,
    Adobe transform and every scan; for PNG and WebP the image chunks. Two files with the same
    essence decode to the same pixels, because a decoder sees the same bitstream; this is how
    every strip is verified without paying for two full decodes."""
    if kind == "jpeg":
        layout = jpeg_segments(data)
        if layout.sos is None:
            raise StripError("no image data")
        tables = [
            data[seg.start : seg.end]
            for seg in layout.segments
            if not (0xE0 <= seg.marker <= 0xEF and seg.marker != 0xEE) and seg.marker != 0xFE
        ]
        return b"".join(tables) + _jpeg_image_data(data, layout.sos)
    if kind == "png":
        return b"".join(
            data[start - 8 : end + 4] for k, start, end in png_chunks(data) if k in PNG_IMAGE_CHUNKS
        )
    if kind == "webp":
        return b"".join(
            data[start - 8 : end] for k, start, end in riff_chunks(data) if k in WEBP_IMAGE_CHUNKS
        )
    raise StripError(f"no lossless check for {kind}")


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


def _jpeg_image_data(data: bytes, sos: int) -> bytes:
    """From the first SOS to EOI: scans, and tables between progressive scans, verbatim.

    APPn and COM segments that some writers put between scans are dropped; anything after EOI
    (a second MPO frame with its own Exif, vendor trailers) is not copied.
    """
    out = bytearray()
    position = sos
    size = len(data)
    while position < size:
        marker = data[position + 1] if position + 1 < size else None
        if marker is None:
            break
        if marker == 0xD9:
            out += b"\xff\xd9"
            return bytes(out)
        if position + 4 > size:
            break
        (length,) = struct.unpack_from(">H", data, position + 2)
        end = position + 2 + length
        if end > size:
            break
        keep = not (0xE0 <= marker <= 0xEF or marker == 0xFE)
        if marker == 0xDA:  # SOS header, then entropy-coded data up to the next real marker
            scan = end
            while True:
                scan = data.find(b"\xff", scan)
                if scan < 0 or scan + 1 >= size:
                    raise StripError("the JPEG's image data is truncated (no end-of-image marker)")
                following = data[scan + 1]
                if following == 0x00 or following == 0xFF or 0xD0 <= following <= 0xD7:
                    scan += 1
                    continue
                break
            out += data[position:scan]
            position = scan
            continue
        if keep:
            out += data[position:end]
        position = end
    raise StripError("the JPEG's image data is truncated (no end-of-image marker)")


def strip_jpeg(data: bytes, meta: PhotoMetadata, options: StripOptions) -> tuple[bytes, list[str]]:
    layout = jpeg_segments(data)
    if layout.sos is None or layout.damage:
        raise StripError("; ".join(layout.damage) or "the JPEG has no image data")
    kept: list[bytes] = []
    removed: list[str] = []
    for segment in layout.segments:
        raw = data[segment.start : segment.end]
        payload = data[segment.payload_start : segment.payload_start + 14]
        marker = segment.marker
        if marker == 0xE0 and payload.startswith(b"JFIF\x00"):
            kept.append(raw)  # JFIF header; JFXX thumbnails and Canon CIFF records are dropped
        elif marker == 0xE2 and payload.startswith(ICC_HEADER) and options.keep_icc:
            kept.append(raw)
        elif marker == 0xEE:
            kept.append(raw)  # Adobe: dropping it ruins CMYK/YCCK colours
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:
            removed.append("COM" if marker == 0xFE else f"APP{marker - 0xE0}")
        else:
            kept.append(raw)
    orientation = _kept_orientation(meta, options)
    insert = [minimal_exif(orientation)] if orientation else []
    head = [kept[0]] if kept and kept[0][1] == 0xE0 else []
    rest = kept[len(head) :]
    body = b"".join([b"\xff\xd8", *head, *insert, *rest])
    return body + _jpeg_image_data(data, layout.sos), sorted(set(removed))


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def strip_png(data: bytes, meta: PhotoMetadata, options: StripOptions) -> tuple[bytes, list[str]]:
    out = bytearray(data[:8])
    removed = []
    for kind, start, end in png_chunks(data):
        if kind in PNG_DROP or (kind == b"iCCP" and not options.keep_icc):
            removed.append(kind.decode("latin-1"))
            continue
        out += data[start - 8 : end + 4]
        if kind == b"IHDR" and (orientation := _kept_orientation(meta, options)):
            out += _png_chunk(b"eXIf", orientation_tiff(orientation))
    if not out.endswith(_png_chunk(b"IEND", b"")):
        raise StripError("the PNG has no IEND chunk (truncated)")
    return bytes(out), sorted(set(removed))


def strip_webp(data: bytes, meta: PhotoMetadata, options: StripOptions) -> tuple[bytes, list[str]]:
    chunks = riff_chunks(data)
    payload = bytearray()
    removed = []
    drop = {b"EXIF", b"XMP "} | (set() if options.keep_icc else {b"ICCP"})
    for kind, start, end in chunks:
        if kind in drop:
            removed.append(kind.decode("latin-1").strip())
            continue
        chunk = bytearray(data[start - 8 : end + ((end - start) & 1)])
        if kind == b"VP8X":
            flags = chunk[8]
            flags &= ~(WEBP_FLAG_EXIF | WEBP_FLAG_XMP)
            if not options.keep_icc:
                flags &= ~WEBP_FLAG_ICC
            chunk[8] = flags
        payload += chunk
    orientation = _kept_orientation(meta, options)
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
    original: Path | None,
    options: StripOptions,
    before: PhotoMetadata | None = None,
) -> None:
    """Raise StripError unless ``candidate`` holds nothing identifying (and, when ``original`` is
    given, decodes to exactly the same pixels and kept what the options say to keep)."""
    data = candidate.read_bytes()
    kind = sniff(data[:32])
    if kind is None:
        raise StripError("the cleaned file is not recognisable as an image")
    try:
        meta = read_from(data, str(candidate), kind)
    except MetadataError as exc:
        raise StripError(f"the cleaned file does not read back: {exc}") from exc
    left = meta.identifying
    if left:
        raise StripError(f"the cleaned file still holds: {', '.join(left)}")
    if before is not None:
        if options.keep_icc and before.has_icc and not meta.has_icc:
            raise StripError("the cleaned file lost its colour profile")
        wanted = before.orientation if options.keep_orientation else None
        if (wanted or 1) != (meta.orientation or 1):
            raise StripError("the cleaned file would not display the same way up")
    if original is not None:
        source = original.read_bytes()
        layout = jpeg_segments(data) if kind == "jpeg" else None
        if layout is not None and (layout.problems or layout.damage):
            raise StripError("the cleaned JPEG's segment structure is damaged")
        if image_essence(kind, data) != image_essence(kind, source):
            raise StripError("the cleaned file's image data differs from the original's")
    if original is not None and options.verify_pixels:
        try:
            if _pixels(original) != _pixels(candidate):
                raise StripError("the cleaned file's pixels differ from the original's")
        except (OSError, SyntaxError, ValueError) as exc:
            raise StripError(f"the cleaned file does not decode: {exc}") from exc


def _reencode(path: Path, kind: str, out: Path) -> tuple[Path, list[str]]:
    """Decode and save again without metadata; a new container, possibly new quality."""
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
        with Image.open(path) as image:
            image.load()
            source = image if image.mode in ("RGB", "L") else image.convert("RGB")
            # A fresh image from raw pixels carries no info dictionary, so nothing can leak.
            clean = Image.frombytes(source.mode, source.size, source.tobytes())
    except (OSError, SyntaxError, ValueError) as exc:
        raise StripError(f"cannot decode it to re-encode: {exc}") from exc
    target = out.with_suffix(".jpg")
    with atomic_writer(target) as tmp:
        clean.save(tmp, format="JPEG", quality=95, subsampling=0)
        verify_clean(tmp, None, StripOptions())
    return target, ["all metadata (re-encoded as JPEG, quality 95)"]


STRIPPERS = {"jpeg": strip_jpeg, "png": strip_png, "webp": strip_webp}


def output_path(path: Path, out_dir: Path | None, in_place: bool) -> Path:
    if in_place:
        return path
    name = f"{path.stem}.clean{path.suffix}"
    return (out_dir or path.parent) / name


def strip_file(
    path: Path,
    options: StripOptions | None = None,
    *,
    out_dir: Path | None = None,
    in_place: bool = False,
) -> StripOutcome:
    """Clean one file; never raises for a bad file: the outcome says NOT CLEANED and why."""
    options = options or StripOptions()
    outcome = StripOutcome(path=str(path))
    target = output_path(path, out_dir, in_place)
    try:
        data = path.read_bytes()
        kind = sniff(data[:32])
        if kind is None:
            raise StripError("not a photo lowprofile recognises")
        meta = read_from(data, str(path), kind)
        if kind not in LOSSLESS:
            if not options.reencode:
                raise StripError(
                    f"{kind.upper()} cannot be cleaned losslessly here; "
                    "--reencode makes a new JPEG without metadata (quality may change)"
                )
            written, removed = _reencode(path, kind, target)
            outcome.output, outcome.removed, outcome.method = str(written), removed, "re-encoded"
            outcome.cleaned = True
            return outcome
        cleaned, removed = STRIPPERS[kind](data, meta, options)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        with atomic_writer(target) as tmp:
            tmp.write_bytes(cleaned)
            verify_clean(tmp, path, options, meta)
        outcome.output, outcome.removed, outcome.method = str(target), removed, "lossless"
        outcome.cleaned = True
    except (StripError, MetadataError) as exc:
        outcome.error = str(exc)
    except OSError as exc:
        outcome.error = f"cannot read or write: {exc.strerror or exc}"
    except (struct.error, IndexError, ValueError) as exc:
        outcome.error = f"damaged file ({exc})"
    return outcome
