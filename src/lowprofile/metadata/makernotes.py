"""Camera serial numbers and owner names inside maker notes, for the makes that put them there.

Most cameras never fill the standard BodySerialNumber tag; the serial sits in the vendor's maker
note instead, and a serial links every photo ever posted from that camera. Each vendor frames its
maker note differently (a header or none, offsets from the maker note or from the TIFF header,
its own byte order), so each is described by a small table entry. Reading is best effort: a
damaged maker note yields what was read before the damage, never an exception.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from lowprofile.errors import MetadataError
from lowprofile.metadata.tiff import TAG_MAKE, TAG_MAKER_NOTE, Exif, Ifd, TiffReader, text

# Canon: no header, offsets from the TIFF header.
CANON_OWNER, CANON_SERIAL, CANON_INTERNAL_SERIAL = 0x0009, 0x000C, 0x0096
NIKON_SERIALS = {0x001D, 0x00A0}
OLYMPUS_EQUIPMENT, OLYMPUS_SERIALS = 0x2010, {0x0101, 0x0102}
OLYMPUS_OLD_SERIAL = 0x0404  # older bodies keep it in the main maker-note IFD
PANASONIC_SERIAL = 0x0025
FUJIFILM_SERIAL = 0x0010
SIGMA_SERIAL = 0x0002
PENTAX_SERIAL = 0x0229
NINTENDO_CAMERA_INFO = 0x1101  # binary; bytes 0x18-0x1B are the console's serial
_PLACEHOLDERS = {"", "unknown", "none", "n/a", "-"}


@dataclass
class MakerNoteIds:
    """What a maker note says about whose camera took the photo."""

    serials: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)


def _clean(value: object) -> str | None:
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], int):
        return str(value[0]) if value[0] else None
    if isinstance(value, bytes):
        value = value.lstrip(b"\x00 ")  # Panasonic pads the front of its serial with NULs
    found = text(value)
    if found is None or found.lower() in _PLACEHOLDERS or not found.strip("0 "):
        return None
    return found if found.isprintable() else None


def _serials(ifd: Ifd, tags: set[int]) -> list[str]:
    return [s for tag in sorted(tags) if (s := _clean(ifd.tags.get(tag)))]


def _olympus(reader: TiffReader, ifd_offset: int, fallback: TiffReader | None) -> list[str]:
    main, _ = reader.ifd(ifd_offset, {OLYMPUS_EQUIPMENT, OLYMPUS_OLD_SERIAL})
    old = _serials(main, {OLYMPUS_OLD_SERIAL})
    if old:
        return old
    pointer = main.tags.get(OLYMPUS_EQUIPMENT)
    candidates: list[tuple[TiffReader, int]] = []
    if isinstance(pointer, tuple) and pointer and isinstance(pointer[0], int):
        candidates.append((reader, pointer[0]))  # an IFD pointer, from the maker note's start
        if fallback is not None:
            candidates.append((fallback, pointer[0]))
    elif isinstance(pointer, bytes):
        candidates.append((reader, main.offsets[OLYMPUS_EQUIPMENT]))  # the IFD stored inline
    for source, offset in candidates:
        try:
            equipment, _ = source.ifd(offset, OLYMPUS_SERIALS)
        except (MetadataError, struct.error):
            continue
        found = _serials(equipment, OLYMPUS_SERIALS)
        if found:
            return found
    return []


def maker_note_ids(exif: Exif) -> MakerNoteIds:
    """Serial numbers and owner names from the maker note of a parsed EXIF block."""
    ids = MakerNoteIds()
    note = exif.exif.tags.get(TAG_MAKER_NOTE)
    at = exif.exif.offsets.get(TAG_MAKER_NOTE)
    if isinstance(note, tuple) and all(isinstance(v, int) for v in note):
        note = bytes(v & 0xFF for v in note)  # written as BYTE instead of UNDEFINED (Pillow does)
    if not isinstance(note, bytes) or at is None or len(note) < 12:
        return ids
    block, endian = exif.block, exif.endian
    make = (text(exif.ifd0.tags.get(TAG_MAKE)) or "").lower()
    try:
        _read_into(ids, note, at, block, endian, make)
    except (MetadataError, struct.error, IndexError, KeyError):
        pass  # a damaged maker note gives what was read before the damage
    return ids


def _read_into(
    ids: MakerNoteIds,
    note: bytes,
    at: int,
    block: bytes | memoryview,
    endian: str,
    make: str,
) -> None:
    main = TiffReader(block, endian)
    if note.startswith(b"Nikon\x00\x02"):
        inner = TiffReader(block[at + 10 :])
        ifd, _ = inner.ifd(inner.first_ifd(), NIKON_SERIALS)
        ids.serials += _serials(ifd, NIKON_SERIALS)
    elif note.startswith(b"Nikon\x00\x01"):
        ifd, _ = main.ifd(at + 8, NIKON_SERIALS)
        ids.serials += _serials(ifd, NIKON_SERIALS)
    elif note.startswith((b"OLYMPUS\x00", b"OM SYSTEM\x00")):
        header = 12 if note.startswith(b"OLYMPUS") else 16
        order = note[header - 4 : header - 2]
        local = TiffReader(block[at:], "<" if order == b"II" else ">")
        ids.serials += _olympus(local, header, None)
    elif note.startswith((b"OLYMP\x00", b"EPSON\x00", b"CAMER\x00", b"MINOL\x00")):
        local = TiffReader(block[at:], endian)
        ids.serials += _olympus(main, at + 8, local)
    elif note.startswith(b"Panasonic\x00"):
        ifd, _ = main.ifd(at + 12, {PANASONIC_SERIAL})
        ids.serials += _serials(ifd, {PANASONIC_SERIAL})
    elif note.startswith((b"FUJIFILM", b"GENERALE")):
        local = TiffReader(block[at:], "<")
        (offset,) = local.unpack("I", 8)
        ifd, _ = local.ifd(offset, {FUJIFILM_SERIAL})
        ids.serials += _serials(ifd, {FUJIFILM_SERIAL})
    elif note.startswith((b"SIGMA\x00", b"FOVEON\x00")):
        ifd, _ = main.ifd(at + 10, {SIGMA_SERIAL})
        ids.serials += _serials(ifd, {SIGMA_SERIAL})
    elif note.startswith(b"AOC\x00"):
        order = note[4:6]
        pentax = TiffReader(block, "<" if order == b"II" else ">" if order == b"MM" else endian)
        ifd, _ = pentax.ifd(at + 6, {PENTAX_SERIAL})
        ids.serials += _serials(ifd, {PENTAX_SERIAL})
    elif note.startswith(b"PENTAX \x00"):
        local = TiffReader(block[at:], "<" if note[8:10] == b"II" else ">")
        ifd, _ = local.ifd(10, {PENTAX_SERIAL})
        ids.serials += _serials(ifd, {PENTAX_SERIAL})
    elif make.startswith("canon"):
        canon_ids(main, at, ids)
    elif make.startswith("nintendo"):
        ifd, _ = main.ifd(at, {NINTENDO_CAMERA_INFO})
        info = ifd.tags.get(NINTENDO_CAMERA_INFO)
        if isinstance(info, bytes) and len(info) >= 0x1C and any(info[0x18:0x1C]):
            ids.serials.append("0x" + info[0x18:0x1C].hex())


def canon_ids(reader: TiffReader, offset: int, ids: MakerNoteIds) -> None:
    """Canon's owner name and serial numbers from its maker-note IFD (also CR3's CMT3 block)."""
    ifd, _ = reader.ifd(offset, {CANON_OWNER, CANON_SERIAL, CANON_INTERNAL_SERIAL})
    owner = _clean(ifd.tags.get(CANON_OWNER))
    if owner:
        ids.owners.append(owner)
    ids.serials += _serials(ifd, {CANON_SERIAL, CANON_INTERNAL_SERIAL})
