"""One RIFF walker: what is not a chunk, or too many chunks, is refused at every level.

Strip used to walk the inside of an animation frame with a second walker that had neither the
FourCC check nor the chunk limit, so a frame full of garbage or of millions of chunks was cleaned
as if it were a picture. Both levels now go through the same walker as the reader's.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from lowprofile.metadata import riff
from lowprofile.metadata.reader import DamagedPhotoError, read_metadata
from lowprofile.metadata.strip_plan import strip_file

ANIMATED = (
    Path(__file__).resolve().parents[1] / "fixtures" / "hostile" / "strip_webp_hidden_chunks.webp"
)
"""An animated WebP (VP8X, ANIM, two ANMF frames, EXIF, a private chunk): six top-level chunks,
and two chunks in the first frame."""
BOGUS = b"\x00\x01\xfe\xff"
"""Not a FourCC: a FourCC is four printable ASCII characters."""


def chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) & 1)


def rebuilt(data: bytes, *, in_first_frame: bytes = b"", at_the_end: bytes = b"") -> bytes:
    """``data`` with bytes added inside its first animation frame and after its last chunk."""
    parts = []
    extra = in_first_frame
    for kind, start, end in riff.riff_chunks(data):
        body = data[start:end]
        if kind == b"ANMF":
            body, extra = body + extra, b""
        parts.append(chunk(kind, body))
    body = b"WEBP" + b"".join(parts) + at_the_end
    return b"RIFF" + struct.pack("<I", len(body)) + body


def refused(path: Path) -> str:
    outcome = strip_file(path)
    assert not outcome.cleaned, "a broken RIFF structure was cleaned"
    assert sorted(os.listdir(path.parent)) == [path.name], "something was written"
    return outcome.error or ""


@pytest.mark.parametrize(
    ("where", "extra", "error"),
    [("frame", chunk(BOGUS, b"Jane"), "no WebP chunk at byte"),
     ("frame", chunk(b"JUNK", b"") * 10, "more than 8 WebP chunks in an animation frame"),
     ("top", chunk(BOGUS, b"Jane"), "no WebP chunk at byte"),
     ("top", chunk(b"JUNK", b"") * 3, "more than 8 WebP chunks in the file")],
    ids=["frame-bogus-fourcc", "frame-too-many", "top-bogus-fourcc", "top-too-many"],
)  # fmt: skip
def test_what_is_not_a_chunk_is_refused_at_every_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, extra: bytes, error: str
) -> None:
    """The strip path refuses a broken animation frame as the read path (and strip) refuse a
    broken top level, with the same walker's words; nothing is written. The reader reads only
    the top level (a frame holds pixels), so only there is it asked too."""
    monkeypatch.setattr(riff, "MAX_BOXES", 8)  # the top level has 6 (+3); the frame 2 (+10)
    path = tmp_path / f"{where}.webp"
    if where == "frame":
        path.write_bytes(rebuilt(ANIMATED.read_bytes(), in_first_frame=extra))
    else:
        path.write_bytes(rebuilt(ANIMATED.read_bytes(), at_the_end=extra))
        with pytest.raises(DamagedPhotoError, match=error):
            read_metadata(path)
    assert error in refused(path)


def test_the_untouched_animation_still_cleans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit the tests above lower is not what refuses them: at 8, the file as it is cleans."""
    monkeypatch.setattr(riff, "MAX_BOXES", 8)
    path = tmp_path / "as-is.webp"
    path.write_bytes(rebuilt(ANIMATED.read_bytes()))
    outcome = strip_file(path)
    assert outcome.cleaned, outcome.error
