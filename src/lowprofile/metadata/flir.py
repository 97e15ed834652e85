"""GPS and serial numbers inside FLIR thermal-camera JPEGs (the "FFF" records in APP1 "FLIR").

The FFF block has a record directory (32-byte entries: type, offset, length); record 0x2b holds
GPS (little-endian: a valid flag, N/S and E/W references, latitude and longitude as doubles) and
record 0x20 the camera information with the camera's serial number. FLIR writes longitudes
unsigned with a separate W reference, so the reference decides the sign.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from lowprofile.metadata.tiff import valid_position

RECORD_CAMERA = 0x20
RECORD_GPS = 0x2B


@dataclass
class FlirData:
    gps: tuple[float, float, float | None] | None = None
    serials: list[str] = field(default_factory=list)


def _string(raw: bytes) -> str | None:
    text = raw.split(b"\x00", 1)[0].decode("latin-1").strip()
    return text if text and text.isprintable() else None


def parse_fff(data: bytes) -> FlirData:
    """Read what identifies the camera and the place from an FFF block; never raises."""
    found = FlirData()
    if len(data) < 0x40 or not data.startswith(b"FFF\x00"):
        return found
    endian = ">" if struct.unpack_from(">I", data, 0x14)[0] == 100 else "<"
    directory, count = struct.unpack_from(endian + "II", data, 0x18)
    for index in range(min(count, 256)):
        entry = directory + index * 0x20
        if entry + 0x20 > len(data):
            break
        kind = struct.unpack_from(endian + "H", data, entry)[0]
        offset, length = struct.unpack_from(endian + "II", data, entry + 0x0C)
        record = data[offset : offset + length]
        if len(record) != length:
            continue
        if kind == RECORD_GPS and length >= 0x20:
            valid = struct.unpack_from("<I", record, 0)[0]
            lat, lon = struct.unpack_from("<dd", record, 0x10)
            lat_ref = record[0x08:0x09].upper()
            lon_ref = record[0x0A:0x0B].upper()
            if lat_ref == b"S" and lat > 0:
                lat = -lat
            if lon_ref == b"W" and lon > 0:
                lon = -lon
            if valid == 1 and valid_position(lat, lon):
                found.gps = (lat, lon, None)
        elif kind == RECORD_CAMERA and length >= 0x1B0:
            for start in (0x104, 0x1A0):  # camera body, then lens
                serial = _string(record[start : start + 16])
                if serial:
                    found.serials.append(serial)
    return found
