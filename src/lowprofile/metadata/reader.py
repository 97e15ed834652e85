"""``read_metadata(path)``: what one photo or video gives away, from its headers alone.

GPS is taken from EXIF first, then XMP (edited photos often keep it only there), then a video's
ISO 6709 location. Names (owner, artist, creator, copyright), serial numbers, software, capture
time, IPTC places and embedded thumbnails are reported as what they are: exposures.
"""

from __future__ import annotations

import mmap
import os
import stat
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lowprofile.errors import MetadataError
from lowprofile.metadata.blocks import Blocks
from lowprofile.metadata.flir import parse_fff
from lowprofile.metadata.gif import gif_blocks
from lowprofile.metadata.iptc import iptc_fields
from lowprofile.metadata.isobmff import isobmff_blocks
from lowprofile.metadata.jpeg import jpeg_blocks, raf_blocks
from lowprofile.metadata.limits import MAX_TEXT_CHARS, MAX_VALUES_PER_KIND, MAX_WARNINGS
from lowprofile.metadata.makernotes import MakerNoteIds, canon_ids, maker_note_ids
from lowprofile.metadata.photo import DamagedPhotoError, Gps, PhotoMetadata
from lowprofile.metadata.png import png_blocks
from lowprofile.metadata.psd import psd_blocks
from lowprofile.metadata.riff import webp_blocks
from lowprofile.metadata.sniff import sniff
from lowprofile.metadata.tiff import (
    TAG_ARTIST,
    TAG_BODY_SERIAL,
    TAG_COPYRIGHT,
    TAG_CREATE_DATE,
    TAG_DATETIME_ORIGINAL,
    TAG_DNG_SERIAL,
    TAG_IPTC,
    TAG_LENS_SERIAL,
    TAG_MAKE,
    TAG_MAKER_NOTE,
    TAG_MODEL,
    TAG_ORIENTATION,
    TAG_OWNER,
    TAG_SOFTWARE,
    TAG_THUMB_LENGTH,
    TAG_THUMB_OFFSET,
    TAG_XMP,
    Exif,
    TiffReader,
    exif_from_cmt,
    gps_position,
    gps_time,
    parse_exif,
    text,
    tiff_xmp_iptc,
    valid_position,
)
from lowprofile.metadata.xmp import parse_xmp, xmp_date, xmp_gps, xmp_names, xmp_orientation


def _tiff_blocks(data: Any) -> Blocks:
    """A TIFF-based file is its own EXIF block (its XMP and IPTC are tags of its first IFD)."""
    blocks = Blocks()
    blocks.exif.append(data)
    return blocks


READERS: dict[str, Callable[[Any], Blocks]] = {
    "jpeg": jpeg_blocks,
    "png": png_blocks,
    "webp": webp_blocks,
    "heif": isobmff_blocks,
    "jxl": isobmff_blocks,
    "video": isobmff_blocks,
    "cr3": isobmff_blocks,
    "raf": raf_blocks,
    "psd": psd_blocks,
    "gif": gif_blocks,
    "tiff": _tiff_blocks,
}
"""What ``sniff`` calls a file -> the walker of its container; kinds not here have no blocks
read (a bare JPEG XL codestream, a BMP)."""


def _blocks_for(kind: str, data: Any) -> Blocks:
    walker = READERS.get(kind)
    return walker(data) if walker is not None else Blocks()


def _add(target: dict[str, list[str]], kind: str, value: str | None) -> None:
    """Add a name or place once; punctuation alone ("/", "[") is filler, not a name."""
    if not value or not any(c.isalnum() for c in value):
        return
    found = target.setdefault(kind, [])
    value = clip(value)
    if len(found) < MAX_VALUES_PER_KIND and value not in found:
        found.append(value)


def _add_serial(meta: PhotoMetadata, serial: str | None) -> None:
    if serial and len(meta.serials) < MAX_VALUES_PER_KIND:
        serial = clip(serial)
        if serial not in meta.serials:
            meta.serials.append(serial)


def clip(value: str) -> str:
    """A value cut to ``MAX_TEXT_CHARS`` (marked with an ellipsis), so no file can make a
    scan's output large."""
    return value if len(value) <= MAX_TEXT_CHARS else value[: MAX_TEXT_CHARS - 1] + "…"


def _bound(meta: PhotoMetadata) -> None:
    """Apply the output limits to the few fields not filled through ``_add``."""
    for name in ("gps_time", "taken", "make", "model", "software"):
        value = getattr(meta, name)
        if value is not None:
            setattr(meta, name, clip(value))
    warnings = [clip(w) for w in dict.fromkeys(meta.warnings)]
    if len(warnings) > MAX_WARNINGS:
        more = len(warnings) - MAX_WARNINGS + 1
        warnings = [*warnings[: MAX_WARNINGS - 1], f"and {more} more warnings"]
    meta.warnings = warnings


def _date(value: Any) -> str | None:
    """A date tag's text, or None for the blank and all-zero placeholders cameras write."""
    found = text(value)
    if not found or not found.strip("0: "):
        return None
    return found


def _apply_exif(meta: PhotoMetadata, exif: Exif, data: Any, is_tiff_file: bool) -> Blocks:
    ifd0, sub = exif.ifd0.tags, exif.exif.tags
    meta.make = meta.make or text(ifd0.get(TAG_MAKE))
    meta.model = meta.model or text(ifd0.get(TAG_MODEL))
    meta.software = meta.software or text(ifd0.get(TAG_SOFTWARE))
    taken = _date(sub.get(TAG_DATETIME_ORIGINAL)) or _date(sub.get(TAG_CREATE_DATE))
    meta.taken = meta.taken or taken
    orientation = ifd0.get(TAG_ORIENTATION)
    if isinstance(orientation, tuple) and orientation and meta.orientation is None:
        meta.orientation = int(orientation[0])
    _add(meta.names, "artist", text(ifd0.get(TAG_ARTIST)))
    _add(meta.names, "copyright", text(ifd0.get(TAG_COPYRIGHT)))
    for ifd in (sub, ifd0):  # some writers put Exif tags in IFD0
        _add(meta.names, "owner", text(ifd.get(TAG_OWNER)))
        for tag in (TAG_BODY_SERIAL, TAG_LENS_SERIAL):
            _add_serial(meta, text(ifd.get(tag)))
    _add_serial(meta, text(ifd0.get(TAG_DNG_SERIAL)))
    if TAG_MAKER_NOTE in sub:
        meta.has_maker_notes = True
        from_note = maker_note_ids(exif)
        for serial in from_note.serials:
            _add_serial(meta, serial)
        for owner in from_note.owners:
            _add(meta.names, "owner", owner)
    if TAG_THUMB_OFFSET in exif.ifd1.tags and TAG_THUMB_LENGTH in exif.ifd1.tags:
        meta.has_thumbnail = True
    if meta.gps is None:
        position = gps_position(exif.gps)
        if position:
            meta.gps = Gps(*position, source="exif")
            meta.gps_time = gps_time(exif.gps)
    if is_tiff_file:
        return tiff_xmp_iptc(data, ifd0.get(TAG_XMP), ifd0.get(TAG_IPTC))
    return Blocks()


def _apply_cmt(meta: PhotoMetadata, cmt: dict[bytes, bytes]) -> None:
    """Canon CR3: IFD0, Exif, maker note and GPS each come as their own TIFF block."""
    try:
        exif = exif_from_cmt(cmt.get(b"CMT1"), cmt.get(b"CMT2"), cmt.get(b"CMT4"))
    except MetadataError as exc:
        meta.warnings.append(f"EXIF ignored: {exc}")
        return
    _apply_exif(meta, exif, b"", False)
    note = cmt.get(b"CMT3")
    if note:
        ids = MakerNoteIds()
        try:
            reader = TiffReader(note)
            canon_ids(reader, reader.first_ifd(), ids)
        except (MetadataError, struct.error):
            pass  # a damaged maker note hides nothing else
        meta.has_maker_notes = True
        for serial in ids.serials:
            _add_serial(meta, serial)
        for owner in ids.owners:
            _add(meta.names, "owner", owner)


def read_from(data: Any, path: str, kind: str) -> PhotoMetadata:
    """Interpret an already-sniffed buffer (bytes, memoryview or mmap)."""
    meta = PhotoMetadata(path=path, format=kind)
    try:
        blocks = _blocks_for(kind, data)
    except (struct.error, IndexError, ValueError) as exc:
        raise MetadataError(f"{kind} structure is damaged ({exc})") from exc
    meta.warnings += blocks.problems
    extra = Blocks()
    for block in blocks.exif:
        try:
            exif = parse_exif(block)
        except MetadataError as exc:
            if kind == "tiff":
                raise
            meta.warnings.append(f"EXIF ignored: {exc}")
            continue
        found = _apply_exif(meta, exif, data, kind == "tiff")
        extra.xmp += found.xmp
        extra.iptc = extra.iptc or found.iptc
    if blocks.cmt:
        _apply_cmt(meta, blocks.cmt)
    packets = blocks.xmp + extra.xmp
    meta.has_xmp = bool(packets)
    for raw in packets:
        packet = parse_xmp(raw)
        if packet.problem:
            meta.warnings.append(packet.problem)
        if meta.gps is None:
            position = xmp_gps(packet)
            if position:
                meta.gps = Gps(*position, source="xmp")
        meta.orientation = meta.orientation or xmp_orientation(packet)
        meta.taken = meta.taken or xmp_date(packet)
        for name_kind, values in xmp_names(packet).items():
            for value in values:
                if name_kind == "serial":
                    _add_serial(meta, value)
                elif name_kind == "city":
                    _add(meta.places, "location", value)
                else:
                    _add(meta.names, name_kind, value)
    iptc = blocks.iptc or extra.iptc
    if iptc:
        meta.has_iptc = True
        for field_name, values in iptc_fields(iptc).items():
            for value in values:
                if field_name in ("city", "location", "province", "country"):
                    _add(meta.places, field_name, value)
                elif field_name == "date_created":
                    meta.taken = meta.taken or value
                else:
                    _add(meta.names, field_name, value)
    if blocks.flir_data:
        flir = parse_fff(blocks.flir_data)
        for serial in flir.serials:
            _add_serial(meta, serial)
        if meta.gps is None and flir.gps:
            meta.gps = Gps(*flir.gps, source="flir")
    for name_kind, values in blocks.names.items():
        for value in values:
            _add(meta.names, name_kind, value)
    if meta.gps is None and blocks.video_gps:
        lat, lon, alt = blocks.video_gps
        if valid_position(lat, lon):
            meta.gps = Gps(lat, lon, alt, source="video")
    _add(meta.places, "location", blocks.video_place)
    meta.has_icc = blocks.icc
    meta.has_comment = blocks.comment
    meta.has_flir = blocks.flir
    meta.vendor_segments = sorted(set(blocks.vendor_segments))
    meta.names = {k: v for k, v in meta.names.items() if v}
    meta.places = {k: v for k, v in meta.places.items() if v}
    meta.warnings += blocks.damage
    _bound(meta)
    if blocks.damage:
        raise DamagedPhotoError(clip("; ".join(blocks.damage)), meta)
    return meta


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
"""Non-blocking, so opening a FIFO returns at once instead of waiting for a writer; the check
that follows refuses it, and every other file that is not a regular one."""


def read_metadata(path: Path) -> PhotoMetadata | None:
    """Metadata of a photo or video; None for a file that is not one.

    Raises MetadataError for a file that cannot be read; DamagedPhotoError (a MetadataError) for
    one cut short or broken part-way, carrying what was read before the damage.
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
        with open(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise MetadataError("not a regular file (a folder, FIFO, device…): not read")
            head = handle.read(32)
            kind = sniff(head)
            if kind is None:
                return None
            size = handle.seek(0, 2)
            if size == 0:
                raise MetadataError("file is empty")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return read_from(mapped, str(path), kind)
    except OSError as exc:
        raise MetadataError(f"cannot read: {exc.strerror or exc}") from exc
