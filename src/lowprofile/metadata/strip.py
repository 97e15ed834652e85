"""Removing identifying metadata from photos, losslessly, and never losing the original.

What is kept is an ALLOWLIST of the parts that define the pixels and how they display; everything
else goes, including chunk and segment kinds nobody has invented yet. Each container says its own
allowlist and does its own rewriting, on its own walker: ``jpeg``, ``png`` and ``riff`` (WebP).
This module only chooses the container (``STRIPPERS``, ``WALKERS``), reads the original once,
and verifies; other formats are only re-encoded when the user asks for it.

Fail closed: the new file is written beside the target, re-read and checked (only allowlisted
parts, nothing the reader calls identifying, the same image data) and only then renamed into
place. Anything that cannot be parsed, rewritten or verified is NOT CLEANED and nothing is
written. Only regular files up to ``MAX_STRIP_BYTES`` are read: a FIFO, a device or a link to
``/dev/zero`` is refused before a byte is read.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from lowprofile.errors import MetadataError, StripError
from lowprofile.files import atomic_writer
from lowprofile.metadata.cleaning import Source, StripOptions, Walked, Walker
from lowprofile.metadata.jpeg import JpegWalk, strip_jpeg
from lowprofile.metadata.png import PngWalk, strip_png
from lowprofile.metadata.reader import read_from
from lowprofile.metadata.riff import WebpWalk, strip_webp
from lowprofile.metadata.sniff import sniff

__all__ = [
    "LOSSLESS",
    "MAX_STRIP_BYTES",
    "NOT_STRIPPED",
    "STRIPPERS",
    "WALKERS",
    "Source",
    "StripOptions",
    "StripOutcome",
    "Written",
    "clean_to",
    "needs_reencode",
    "open_regular",
    "read_regular",
    "sniff_regular",
    "verify_clean",
]

MAX_STRIP_BYTES = 256 * 1024 * 1024
"""The largest photo strip will read. Strip holds a photo in memory three times (original,
cleaned copy, the copy read back to verify it), so this bounds it near 800 MB; a 100-megapixel
JPEG is about 60 MB. Larger files are refused with this figure in the message, unread."""


Stripper = Callable[[Source[Any], StripOptions], tuple[bytes, list[str]]]
"""Builds the cleaned bytes of one original, and names what went."""

STRIPPERS: dict[str, Stripper] = {"jpeg": strip_jpeg, "png": strip_png, "webp": strip_webp}
"""The containers strip rewrites losslessly (a test replaces one to check the verifier)."""
WALKERS: dict[str, Walker] = {"jpeg": JpegWalk, "png": PngWalk, "webp": WebpWalk}
"""Each lossless container's walk, for the original and for the cleaned copy."""
LOSSLESS = frozenset(STRIPPERS)


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
    source: Source[Walked] | None,
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
        walked = WALKERS[kind](data, original=False) if kind in WALKERS else None
        if walked is not None:
            walked.check_allowlisted(options)
    except MetadataError as exc:
        raise StripError(f"the cleaned file does not read back: {exc}") from exc
    if source is not None:
        before = source.meta
        if options.keep_icc and before.has_icc and not meta.has_icc:
            raise StripError("the cleaned file lost its colour profile")
        wanted = before.orientation if options.keep_orientation else None
        if (wanted or 1) != (meta.orientation or 1):
            raise StripError("the cleaned file would not display the same way up")
        if walked is None:
            raise StripError(f"no lossless check for {kind}")
        walked.check_intact()
        if walked.essence() != source.walked.essence():
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
            source = Source(data, kind, meta, WALKERS[kind](data, original=True))
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
