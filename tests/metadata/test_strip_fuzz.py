"""Property: whatever bytes a photo holds, strip refuses it or cleans it completely.

Hypothesis mutates generated photos (JPEG, PNG, WebP, each carrying GPS, a serial, an owner and
XMP): flipped bytes, cut-off ends, inserted runs. For every mutant, strip either says NOT CLEANED
and writes nothing, or writes a copy in which the reader finds nothing identifying and none of
the planted strings survive; the original is never changed. No deadline is set: time is for the
benchmarks, not for unit tests.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import PngImagePlugin

from helpers.photos import XMP_WITH_GPS, exif_block, jpeg_bytes, picture, srgb_icc
from lowprofile.metadata.reader import read_metadata
from lowprofile.metadata.strip_plan import strip_file

PLANTED = (b"Jane Example", b"ExampleCam", b"SN-0042")


def _png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_WITH_GPS.decode())
    info.add_text("Author", "Jane Example")
    buffer = io.BytesIO()
    picture().save(buffer, format="PNG", exif=exif_block(orientation=6), pnginfo=info)
    return buffer.getvalue()


def _webp() -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, format="WEBP", exif=exif_block(orientation=3), xmp=XMP_WITH_GPS,
                   icc_profile=srgb_icc(), lossless=True)  # fmt: skip
    return buffer.getvalue()


SEEDS = {"a.jpg": jpeg_bytes(orientation=6), "a.png": _png(), "a.webp": _webp()}


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        at = draw(st.integers(min(12, len(data) - 1), len(data) - 1))  # past the signature
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0xD9, 0xDA, 0xE1, 0x7F]))
        elif action == "cut":
            del data[max(at, 16) :]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at : at + draw(st.integers(1, 16))]
    return name, bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_strip_refuses_or_cleans_completely(mutant: tuple[str, bytes]) -> None:
    name, data = mutant
    with tempfile.TemporaryDirectory() as folder:
        original = Path(folder) / name
        original.write_bytes(data)
        outcome = strip_file(original)
        assert original.read_bytes() == data, "the original changed"
        if not outcome.cleaned:
            assert outcome.error
            assert os.listdir(folder) == [name], "something was written for a refused photo"
            return
        cleaned = Path(outcome.output or "").read_bytes()
        meta = read_metadata(Path(outcome.output or ""))
        assert meta is not None and meta.identifying == []
        assert [p for p in PLANTED if p in cleaned] == []
