"""What every container's reader hands on: the raw metadata blocks of one file.

Each format module (``jpeg``, ``png``, ``riff``, ``isobmff``, ``gif``, ``psd``, ``tiff``) walks its
own structure and fills one ``Blocks``; ``reader`` interprets them, whatever the container. The
copy-out limits live here, in ``Blocks.take``, so no format can copy more than ``limits`` allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lowprofile.errors import MetadataError
from lowprofile.metadata.limits import (
    MAX_BLOCK_BYTES,
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
NAME_BYTES = 4 * MAX_TEXT_CHARS
"""Bytes read for a name a container states (a video's artist, a PNG Author): enough for any
name in any encoding, however long the container says the value is."""

Chunk = tuple[bytes, int, int]
"""(type, data start, data end) of one chunk or box, as every container walker returns it."""


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


def strip_exif_prefix(data: bytes) -> bytes:
    """An EXIF block without the ``Exif\\0\\0`` some writers put before its TIFF header."""
    return data[len(EXIF_HEADER) :] if data.startswith(EXIF_HEADER) else data


def cut_short(problem: str, chunks: list[Chunk], damage: list[str] | None) -> list[Chunk]:
    """End a chunk walk: a MetadataError for the stripper, or the chunks so far for a reader
    (which passes ``damage`` to learn why the walk stopped)."""
    if damage is None:
        raise MetadataError(problem)
    damage.append(problem)
    return chunks
