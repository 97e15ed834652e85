"""WebP (RIFF): its chunks walked once, read for metadata and rewritten without it.

The one walker is ``_walk``, bounded by ``limits`` and refusing anything that is not a chunk
(a FourCC is printable ASCII): ``riff_chunks`` walks a file's top level with it for the reader
(``webp_blocks``), the stripper (``strip_webp``) and the verifier (``WebpWalk``), and
``frame_chunks`` the inside of each animation frame strip rebuilds, with the same checks. What
strip keeps is an ALLOWLIST, ``WEBP_KEEP`` (bitstreams, alpha, animation, ICC), and inside each
animation frame only its bitstream and alpha.
"""

from __future__ import annotations

import struct

from lowprofile.errors import MetadataError, StripError
from lowprofile.metadata.blocks import Blocks, Chunk, cut_short, strip_exif_prefix
from lowprofile.metadata.cleaning import (
    ChunkWalk,
    Source,
    StripOptions,
    kept_orientation,
    orientation_tiff,
    part_name,
)
from lowprofile.metadata.limits import MAX_BOXES

# --- walking and reading ----------------------------------------------------------------

ANMF_HEADER = 16
"""An animation frame's own fields (position, size, duration, flags) before its chunks."""


def _walk(
    data: bytes | memoryview, position: int, end: int, damage: list[str] | None, where: str
) -> list[Chunk]:
    """(type, data start, data end) of the RIFF chunks in ``data[position:end]``, ``where``
    naming that span in messages. A chunk cut off, a FourCC that is not printable or more than
    ``MAX_BOXES`` chunks end the walk as ``cut_short`` says: a MetadataError, or (``damage``
    given) the chunks before, with why."""
    chunks: list[Chunk] = []
    while position + 8 <= end:
        if len(chunks) >= MAX_BOXES:
            return cut_short(f"more than {MAX_BOXES:,} WebP chunks in {where}", chunks, damage)
        kind, length = struct.unpack_from("<4sI", data, position)
        if not all(0x20 <= c < 0x7F for c in kind):  # a FourCC is printable ASCII
            return cut_short(f"no WebP chunk at byte {position}", chunks, damage)
        start, stop = position + 8, position + 8 + length
        if stop > end:
            return cut_short(f"WebP chunk {kind!r} runs past the end of {where}", chunks, damage)
        chunks.append((kind, start, stop))
        position = stop + (length & 1)
    return chunks


def riff_chunks(data: bytes | memoryview, damage: list[str] | None = None) -> list[Chunk]:
    """(type, data start, data end) of every top-level WebP chunk (see ``_walk``)."""
    if bytes(data[:4]) != b"RIFF" or bytes(data[8:12]) != b"WEBP":
        raise MetadataError("not a WebP file")
    return _walk(data, 12, len(data), damage, "the file")


def frame_chunks(data: bytes | memoryview, start: int, end: int) -> list[Chunk]:
    """The chunks inside one ANMF animation frame (after its header), walked as the top level
    is: anything that is not a chunk is a MetadataError."""
    return _walk(data, start + ANMF_HEADER, end, None, "an animation frame")


def webp_blocks(data: bytes | memoryview) -> Blocks:
    """EXIF, XMP and whether there is a colour profile, from the top-level chunks."""
    blocks = Blocks()
    for kind, start, end in riff_chunks(data, blocks.damage):
        body = blocks.take(data, start, end, kind.decode()) if kind in (b"EXIF", b"XMP ") else None
        if kind == b"EXIF" and body is not None:
            blocks.exif.append(strip_exif_prefix(body))
        elif kind == b"XMP " and body is not None:
            blocks.xmp.append(body)
        elif kind == b"ICCP":
            blocks.icc = True
    return blocks


# --- stripping and verifying ----------------------------------------------------------------

WEBP_FLAG_ICC, WEBP_FLAG_EXIF, WEBP_FLAG_XMP = 0x20, 0x08, 0x04
"""The VP8X header's flags for what the file says it carries."""
WEBP_PIXEL_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"})
WEBP_KEEP = WEBP_PIXEL_CHUNKS | {b"VP8X"}
"""Bitstreams, alpha, animation and the extended header; ``ICCP`` added when kept."""
WEBP_FRAME_KEEP = frozenset({b"VP8 ", b"VP8L", b"ALPH"})
"""Inside an ANMF frame, after its 16-byte header: the frame's bitstream and alpha only (the
format allows unknown chunks there, which could carry anything)."""


def webp_chunk(data: bytes, kind: bytes, start: int, end: int) -> bytes:
    """One chunk with its padding; an ANMF frame rebuilt with only its bitstream and alpha."""
    if kind != b"ANMF":
        return data[start - 8 : end + ((end - start) & 1)]
    if end - start < ANMF_HEADER:
        raise StripError("a WebP animation frame is too short")
    body = bytearray(data[start : start + ANMF_HEADER])
    for sub, sub_start, sub_end in frame_chunks(data, start, end):
        if sub in WEBP_FRAME_KEEP:
            body += webp_chunk(data, sub, sub_start, sub_end)
    return b"ANMF" + struct.pack("<I", len(body)) + bytes(body)


class WebpWalk(ChunkWalk):
    """A WebP's top-level chunks, walked once (anything that is not a chunk is a MetadataError);
    each animation frame is walked when its essence is taken. Every walk of a WebP is the same,
    so ``original`` changes nothing here."""

    pixel_chunks = WEBP_PIXEL_CHUNKS
    kept = WEBP_KEEP
    icc_chunk = b"ICCP"
    orientation_chunk = b"EXIF"

    def __init__(self, data: bytes, *, original: bool = True) -> None:
        super().__init__(data, riff_chunks(data))

    def pixel_chunk(self, kind: bytes, start: int, end: int) -> bytes:
        """The chunk with its padding, an animation frame cut to what it shows."""
        return webp_chunk(self.data, kind, start, end)


def strip_webp(source: Source[WebpWalk], options: StripOptions) -> tuple[bytes, list[str]]:
    """The allowlisted chunks in order, the VP8X flags made true again, Orientation alone
    written back; and the names of what went."""
    data = source.data
    chunks = source.walked.chunks
    payload = bytearray()
    removed = []
    keep = WebpWalk.keep(options)
    for kind, start, end in chunks:
        if kind not in keep:
            removed.append(part_name(kind))
            continue
        chunk = bytearray(webp_chunk(data, kind, start, end))
        if kind == b"VP8X":
            if len(chunk) < 9:
                raise StripError("the WebP extended header is too short")
            chunk[8] &= ~(WEBP_FLAG_EXIF | WEBP_FLAG_XMP | WEBP_FLAG_ICC)
            if b"ICCP" in keep and any(k == b"ICCP" for k, _, _ in chunks):
                chunk[8] |= WEBP_FLAG_ICC
        payload += chunk
    orientation = kept_orientation(source.meta, options)
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
