"""Property-based fuzzing of the photo reader with Hypothesis: byte mutations of real photos.

Seeds are photos made here in every format the reader knows, plus (where the team's sample
folder is present) one real sample of each format. Hypothesis mutates them where their headers
live: flipped bits, overwritten bytes, huge or zero 32-bit lengths in either byte order, cuts,
duplicated and inserted runs. Invariants for every mutant:

* the reader returns, or raises a MetadataError (nothing else, ever);
* its work is bounded: each example must finish within Hypothesis' deadline (a generous one:
  this is a guard against hangs, not a speed test);
* what it returns serialises to valid UTF-8 JSON of bounded size.

The run is derandomized (the same examples every time), so a failure reproduces.
"""

from __future__ import annotations

import io
import json
import re
import struct
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from helpers.photos import XMP_WITH_GPS, exif_block, jpeg_bytes, picture, srgb_icc
from lowprofile.errors import MetadataError
from lowprofile.metadata.library import FileEntry
from lowprofile.metadata.reader import DamagedPhotoError, read_from
from lowprofile.metadata.sniff import sniff

SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "photos"
MAX_JSON = 256 * 1024
BIG_WORDS = (0, 1, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def _encoded(fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture((16, 16)).save(buffer, format=fmt, **options)
    return buffer.getvalue()


@cache
def generated_seeds() -> tuple[bytes, ...]:
    """One small photo per format, each carrying GPS, names, serials and XMP where it can."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_WITH_GPS.decode(), zip=True)
    info.add_text("Author", "Jane Example", zip=True)
    seeds = [
        jpeg_bytes(),
        _encoded("JPEG", exif=exif_block(), xmp=XMP_WITH_GPS, icc_profile=srgb_icc()),
        _encoded("PNG", exif=exif_block(), pnginfo=info),
        _encoded("WEBP", exif=exif_block(), xmp=XMP_WITH_GPS),
        exif_block().tobytes()[6:],  # a TIFF made of the EXIF itself
        _encoded("GIF", xmp=XMP_WITH_GPS),
    ]
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        seeds.append(_encoded("HEIF", exif=exif_block(), xmp=XMP_WITH_GPS))
    except ImportError:  # pragma: no cover - pillow-heif is in the test extra
        pass
    return tuple(seeds)


@cache
def sample_seeds() -> tuple[bytes, ...]:
    """The smallest real sample of each format in the team's sample folder, if present."""
    if not SHARED_SAMPLES.is_dir():
        return ()
    smallest: dict[str, bytes] = {}
    for path in sorted(SHARED_SAMPLES.rglob("*")):
        if not path.is_file() or path.stat().st_size > 512 * 1024:
            continue
        data = path.read_bytes()
        kind = sniff(data[:32])
        if kind is not None and (kind not in smallest or len(data) < len(smallest[kind])):
            smallest[kind] = data
    return tuple(smallest.values())


_FOURCC = re.compile(rb"(?=[A-Za-z][A-Za-z0-9 ]{3})")


@cache
def fields(seed: bytes) -> tuple[int, ...]:
    """Where a seed's lengths and counts sit, roughly: around each JPEG marker and each
    four-letter box or chunk type (ISO-BMFF, PNG, RIFF), where sizes, versions, counts and
    offsets follow. Mutating there reaches the loops that trust them."""
    head = seed[:65536]
    found = {m.start() + 2 for m in re.finditer(rb"\xff[\xc0-\xfe]", head)}
    for match in _FOURCC.finditer(head):
        found.update(match.start() + delta for delta in (-4, 4, 6, 8, 10, 12, 14, 16))
    return tuple(sorted(at for at in found if 4 <= at < len(seed) - 4))


@st.composite
def mutants(draw: st.DrawFn, seeds: tuple[bytes, ...]) -> bytes:
    seed = draw(st.sampled_from(seeds))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        size = len(data)
        if size < 16:
            break
        near_headers = st.integers(4, min(size - 1, 4096))
        at = draw(st.one_of(st.sampled_from(fields(seed)), near_headers, st.integers(4, size - 1)))
        at = min(at, size - 1)
        operation = draw(st.sampled_from(["flip", "byte", "word", "cut", "copy", "insert"]))
        if operation == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "byte":
            data[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]))
        elif operation == "word":
            word = struct.pack(
                draw(st.sampled_from([">I", "<I"])), draw(st.sampled_from(BIG_WORDS))
            )
            data[at : at + 4] = word
        elif operation == "cut":
            del data[at:]
        elif operation == "copy":
            length = draw(st.integers(1, 256))
            data[at:at] = data[max(0, at - length) : at]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


def check_one(data: bytes) -> None:
    kind = sniff(data[:32])
    if kind is None:
        return
    try:
        meta = read_from(data, "mutant", kind)
    except DamagedPhotoError as exc:
        meta = exc.partial
    except MetadataError:
        return
    text = json.dumps(FileEntry("mutant", meta.format, meta).to_dict(), ensure_ascii=False)
    assert len(text.encode("utf-8")) < MAX_JSON
    json.dumps(meta.to_dict(), ensure_ascii=False).encode("utf-8")


FUZZ = settings(
    max_examples=200,
    deadline=timedelta(seconds=5),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(mutants(generated_seeds()))
def test_mutated_generated_photos(data: bytes) -> None:
    check_one(data)


@pytest.mark.shared_data
def test_mutated_real_samples(shared_data: Path) -> None:
    seeds = sample_seeds()
    if not seeds:
        pytest.skip(f"no photo samples under {SHARED_SAMPLES}")

    @FUZZ
    @given(mutants(seeds))
    def fuzz(data: bytes) -> None:
        check_one(data)

    fuzz()


def test_the_seeds_themselves_read_cleanly() -> None:
    """The fuzz starts from files the reader fully understands, so mutations test something."""
    for seed in generated_seeds():
        kind = sniff(seed[:32])
        assert kind is not None
        meta = read_from(seed, "seed", kind)
        if kind != "gif":
            assert meta.gps is not None, kind
    assert Image.open(io.BytesIO(generated_seeds()[0])).size == (48, 32)
