"""PNG: its chunks walked once, read for metadata and rewritten without it.

The one walker is ``png_chunks`` (bounded by ``limits``); the reader (``png_blocks``), the
stripper (``strip_png``) and the verifier (``PngWalk``) all use it. What strip keeps is an
ALLOWLIST, ``PNG_KEEP`` (pixels, palette, transparency, colour space, pixel aspect, APNG frames):
a denylist let PNG ``EXIF``, ``exIf`` and ``zxIf`` chunks through with their GPS.
"""

from __future__ import annotations

import struct
import zlib

from lowprofile.errors import MetadataError, StripError
from lowprofile.metadata.blocks import (
    NAME_BYTES,
    Blocks,
    Chunk,
    cut_short,
    strip_exif_prefix,
)
from lowprofile.metadata.cleaning import (
    ChunkWalk,
    Source,
    StripOptions,
    kept_orientation,
    orientation_tiff,
    part_name,
)
from lowprofile.metadata.iptc import photoshop_iptc
from lowprofile.metadata.limits import MAX_BLOCK_BYTES, MAX_BOXES, MAX_TOTAL_BLOCK_BYTES

# --- walking and reading ----------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_NAME_KEYWORDS = {b"author": "creator", b"artist": "creator", b"copyright": "copyright",
                      b"owner": "owner"}  # fmt: skip


def png_chunks(data: bytes | memoryview, damage: list[str] | None = None) -> list[Chunk]:
    """(type, data start, data end) of every chunk. A chunk cut off is a MetadataError, unless
    ``damage`` is given: then the walk stops there, notes why, and returns the chunks before."""
    if bytes(data[:8]) != PNG_SIGNATURE:
        raise MetadataError("not a PNG")
    chunks: list[Chunk] = []
    position = 8
    while position + 8 <= len(data):
        if len(chunks) >= MAX_BOXES:
            return cut_short(f"the PNG has more than {MAX_BOXES:,} chunks", chunks, damage)
        length, kind = struct.unpack_from(">I4s", data, position)
        if not kind.isalpha():  # every PNG chunk type is four ASCII letters
            return cut_short(f"no PNG chunk at byte {position}", chunks, damage)
        start, end = position + 8, position + 8 + length
        if end + 4 > len(data):
            return cut_short(f"PNG chunk {kind!r} runs past the end of the file", chunks, damage)
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
    if inflater.unconsumed_tail and limit > NAME_BYTES:
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
    """EXIF (eXIf and ImageMagick's raw profiles), XMP, IPTC and stated names, from the text
    chunks whose keyword says they matter; image data and other text are never copied."""
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
        limit = NAME_BYTES if name_kind is not None else MAX_BLOCK_BYTES
        if name_kind is not None:  # a name: its first part is enough, however long it says it is
            end = min(end, start + len(keyword) + 4 + limit)
        body = blocks.take(data, start, end, kind.decode())
        if body is None:
            continue
        if kind == b"eXIf":
            blocks.exif.append(strip_exif_prefix(body))
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
                    blocks.exif.append(strip_exif_prefix(raw))
            elif keyword == b"Raw profile type iptc":
                raw = _raw_profile(value)
                if raw:
                    blocks.iptc = photoshop_iptc(raw) or raw
    return blocks


# --- stripping and verifying ----------------------------------------------------------------

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


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One chunk: length, type, body and the CRC a decoder checks."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


class PngWalk(ChunkWalk):
    """A PNG's chunks, walked once (a chunk cut off is a MetadataError). Every walk of a PNG is
    the same, so ``original`` changes nothing here."""

    pixel_chunks = PNG_PIXEL_CHUNKS
    kept = PNG_KEEP
    icc_chunk = b"iCCP"
    orientation_chunk = PNG_ORIENTATION_CHUNK

    def __init__(self, data: bytes, *, original: bool = True) -> None:
        super().__init__(data, png_chunks(data))

    def pixel_chunk(self, kind: bytes, start: int, end: int) -> bytes:
        """The chunk whole: length, type, body, CRC."""
        return self.data[start - 8 : end + 4]


def strip_png(source: Source[PngWalk], options: StripOptions) -> tuple[bytes, list[str]]:
    """The allowlisted chunks in order, Orientation alone written back after ``IHDR``; and the
    names of what went."""
    data = source.data
    out = bytearray(data[:8])
    removed = []
    keep = PngWalk.keep(options)
    for kind, start, end in source.walked.chunks:
        if kind not in keep:
            removed.append(part_name(kind))
            continue
        if kind in PNG_LENGTHS and end - start not in PNG_LENGTHS[kind]:
            raise StripError(f"a malformed {part_name(kind)} chunk ({end - start} bytes)")
        out += data[start - 8 : end + 4]
        if kind == b"IHDR" and (orientation := kept_orientation(source.meta, options)):
            out += png_chunk(PNG_ORIENTATION_CHUNK, orientation_tiff(orientation))
    if not out.endswith(png_chunk(b"IEND", b"")):
        raise StripError("the PNG has no IEND chunk (truncated)")
    return bytes(out), sorted(set(removed))
