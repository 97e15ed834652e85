"""What every lossless stripper shares: the options, the original as read once, and the one
Orientation-only EXIF strip may write back.

Each container that strip cleans losslessly (``jpeg``, ``png``, ``riff``) walks a file once with
its own bounded walker into a ``Walked``: the cleaned copy is built from the original's walk, and
verified through the copy's walk. ``strip`` chooses the container and never looks inside one.
"""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from lowprofile.errors import StripError
from lowprofile.metadata.blocks import Chunk
from lowprofile.metadata.photo import PhotoMetadata

Essence = tuple[bytes, ...]
"""The bytes that define the decoded pixels, in order: two files with the same essence decode to
the same pixels, because a decoder sees the same bitstream."""


@dataclass
class StripOptions:
    """What the person asked ``photos strip`` to keep, and how hard to check."""

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


class Walker(Protocol):
    """Walks one file of a container once; ``original`` says whether it is the photo being
    cleaned (walked in full) or a cleaned copy (ours, so its image data is taken as it stands)."""

    def __call__(self, data: bytes, *, original: bool) -> Walked: ...


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


class ChunkWalk(ABC):
    """A file made of typed chunks (PNG, WebP), walked once by its container's walker, which
    refuses anything that is not a chunk: what is left to check is which chunks are there.

    A container says its allowlist in four class attributes and how one pixel chunk is copied.
    """

    pixel_chunks: frozenset[bytes]
    """The chunks that define the decoded pixels: what verification compares."""
    kept: frozenset[bytes]
    """What strip keeps: the pixel chunks and how they display."""
    icc_chunk: bytes
    """The colour profile's chunk, kept as well unless the options say not to."""
    orientation_chunk: bytes
    """The chunk strip writes its Orientation-only EXIF in: the one chunk outside the allowlist
    a cleaned file may hold, and only with exactly that content."""

    def __init__(self, data: bytes, chunks: list[Chunk]) -> None:
        self.data = data
        self.chunks = chunks

    @classmethod
    def keep(cls, options: StripOptions) -> frozenset[bytes]:
        """The chunk types these options keep."""
        return cls.kept | {cls.icc_chunk} if options.keep_icc else cls.kept

    @abstractmethod
    def pixel_chunk(self, kind: bytes, start: int, end: int) -> bytes:
        """One pixel chunk as the cleaned file holds it."""

    def essence(self) -> Essence:
        """The pixel chunks, in order (see ``Essence``)."""
        wanted = self.pixel_chunks
        return (b"".join(self.pixel_chunk(*chunk) for chunk in self.chunks if chunk[0] in wanted),)

    def check_allowlisted(self, options: StripOptions) -> None:
        """Raise StripError at the first chunk neither kept nor strip's own Orientation."""
        keep = self.keep(options)
        for chunk, start, end in self.chunks:
            own = chunk == self.orientation_chunk and self.data[start:end] in ORIENTATION_ONLY
            if chunk not in keep and not own:
                raise StripError(f"the cleaned file still has a {part_name(chunk)} chunk")

    def check_intact(self) -> None:
        """Nothing more to check: anything that is not a chunk already failed the walk."""
        return None


def part_name(kind: bytes) -> str:
    """A chunk type as text that is safe to print (hostile files put anything there)."""
    return kind.decode("ascii", "backslashreplace").strip() or repr(kind)
