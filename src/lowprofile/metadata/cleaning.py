"""What every lossless stripper shares: the options, the original as read once, and the one
Orientation-only EXIF strip may write back.

Each container that strip cleans losslessly (``jpeg``, ``png``, ``riff``) walks a file once with
its own bounded walker into a ``Walked``: the cleaned copy is built from the original's walk, and
verified through the copy's walk. ``strip`` chooses the container and never looks inside one.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from lowprofile.metadata.photo import PhotoMetadata

Essence = tuple[bytes, ...]
"""The bytes that define the decoded pixels, in order: two files with the same essence decode to
the same pixels, because a decoder sees the same bitstream."""


@dataclass
class StripOptions:
    keep_orientation: bool = True
    keep_icc: bool = True
    reencode: bool = False
    verify_pixels: bool = False
    """Also decode both files and compare pixels (slow; the default check is already exact)."""


class Walked(Protocol):
    """One file walked by its container's walker: what a strip and its verification ask of it."""

    def essence(self) -> Essence:
        """The pixel-defining bytes (see ``Essence``); StripError when there are none."""
        ...

    def check_allowlisted(self, options: StripOptions) -> None:
        """Raise StripError if the file holds any part outside the allowlist.

        This does not depend on the reader knowing where a format can hide metadata: a part it
        has never heard of fails here, and the only Exif allowed is strip's own, holding one
        Orientation.
        """
        ...

    def check_intact(self) -> None:
        """Raise StripError if a cleaned copy's structure is damaged (it is ours: it must not
        be, even where a reader would tolerate it)."""
        ...


W_co = TypeVar("W_co", bound=Walked, covariant=True)


@dataclass
class Source(Generic[W_co]):
    """One original, read once: its bytes, its kind, what the reader found, and its container's
    walk, which both the stripper and the verifier use."""

    data: bytes
    kind: str
    meta: PhotoMetadata
    walked: W_co


def orientation_tiff(orientation: int) -> bytes:
    """A TIFF block holding only the Orientation tag (big-endian, one IFD entry)."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    return tiff + struct.pack(">I", 0)


ORIENTATION_ONLY = frozenset(orientation_tiff(o) for o in range(2, 9))
"""Every EXIF block strip itself writes: the only EXIF a cleaned file may hold."""


def kept_orientation(meta: PhotoMetadata, options: StripOptions) -> int | None:
    """The Orientation to write back, when there is one that is not the default."""
    value = meta.orientation
    if options.keep_orientation and value and value != 1 and 1 <= value <= 8:
        return value
    return None


def part_name(kind: bytes) -> str:
    """A chunk type as text that is safe to print (hostile files put anything there)."""
    return kind.decode("ascii", "backslashreplace").strip() or repr(kind)
