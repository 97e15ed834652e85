"""IPTC (IIM) records, usually inside a Photoshop APP13 segment: creator, city, location."""

from __future__ import annotations

import struct

from lowprofile.metadata.limits import MAX_VALUES_PER_KIND

_RECORDS = {
    55: "date_created",
    80: "creator",
    90: "city",
    92: "location",
    95: "province",
    101: "country",
    116: "rights",
    122: "writer",
}


def photoshop_resources(data: bytes) -> dict[int, bytes]:
    """Photoshop image resources ("8BIM" records) by id: 0x0404 IPTC, 0x0422 Exif, 0x0424 XMP."""
    found: dict[int, bytes] = {}
    position = 0
    while position + 12 <= len(data):
        if data[position : position + 4] != b"8BIM":
            break
        (resource_id,) = struct.unpack_from(">H", data, position + 4)
        name_length = data[position + 6]
        name_total = 1 + name_length + ((1 + name_length) % 2)
        size_at = position + 6 + name_total
        if size_at + 4 > len(data):
            break
        (size,) = struct.unpack_from(">I", data, size_at)
        start = size_at + 4
        found.setdefault(resource_id, data[start : start + size])
        position = start + size + (size % 2)
    return found


def photoshop_iptc(data: bytes) -> bytes | None:
    """The IPTC block (resource 0x0404) from Photoshop image resources."""
    return photoshop_resources(data).get(0x0404)


def iptc_fields(data: bytes) -> dict[str, list[str]]:
    """Application records (2:xx) we care about, decoded as UTF-8 with a Latin-1 fallback."""
    out: dict[str, list[str]] = {}
    position = 0
    while position + 5 <= len(data):
        if data[position] != 0x1C:
            break
        record, dataset = data[position + 1], data[position + 2]
        (size,) = struct.unpack_from(">H", data, position + 3)
        start = position + 5
        if size & 0x8000:  # extended length: not used for text fields
            break
        value = data[start : start + size]
        position = start + size
        if record == 2 and dataset in _RECORDS:
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = value.decode("latin-1")
            text = text.strip()
            found = out.setdefault(_RECORDS[dataset], [])
            if text and len(found) < MAX_VALUES_PER_KIND:
                found.append(text)
    return out
