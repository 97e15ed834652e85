"""What an XMP packet gives away: GPS (edited photos often keep it only here) and names.

XMP is RDF/XML, but writers differ (attributes or elements, rdf:Seq lists, odd namespaces), and a
hostile file may hold anything, so we read it with patterns over the text instead of an XML parser:
no entity expansion, no network, and a broken packet still yields what it plainly says.
"""

from __future__ import annotations

import re

from lowprofile.metadata.tiff import valid_position

_NAMES = {
    "creator": ("dc:creator", "tiff:Artist", "photoshop:AuthorsPosition", "xmpRights:Owner",
                "pdf:Author", "photoshop:Credit"),
    "owner": ("aux:OwnerName", "exifEX:CameraOwnerName"),
    "rights": ("dc:rights", "xmpRights:UsageTerms"),
    "contact": ("Iptc4xmpCore:CiAdrExtadr", "Iptc4xmpCore:CiAdrCity", "Iptc4xmpCore:CiAdrPcode",
                "Iptc4xmpCore:CiEmailWork", "Iptc4xmpCore:CiTelWork", "Iptc4xmpCore:CiUrlWork"),
    "serial": ("aux:SerialNumber", "exifEX:BodySerialNumber", "aux:LensSerialNumber",
               "exifEX:LensSerialNumber"),
    "city": ("photoshop:City", "Iptc4xmpCore:Location", "photoshop:State", "Iptc4xmpExt:City",
             "Iptc4xmpExt:Sublocation", "Iptc4xmpExt:ProvinceState", "photoshop:Country",
             "Iptc4xmpExt:CountryName"),
}  # fmt: skip
"""Identifying XMP properties by kind; "contact" is the IPTC creator's address, phone and email,
which photo agencies' templates fill in for every picture."""
_DATES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate")


def _values(packet: str, tag: str) -> list[str]:
    """Values of ``tag`` written as an attribute, a simple element, or an rdf list of li items."""
    escaped = re.escape(tag)
    found = re.findall(rf'{escaped}\s*=\s*"([^"]*)"', packet)
    found += re.findall(rf"{escaped}\s*=\s*'([^']*)'", packet)
    for body in re.findall(rf"<{escaped}\b[^>]*>(.*?)</{escaped}>", packet, flags=re.S):
        items = re.findall(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", body, flags=re.S)
        found += items or [body]
    cleaned = [" ".join(re.sub(r"<[^>]+>", " ", v).split()) for v in found]
    return [v for v in cleaned if v]


def _coordinate(value: str) -> float | None:
    """``37,46.6N``, ``37,46,36N``, ``37.7767N`` or ``-122.41`` → signed degrees."""
    match = re.fullmatch(
        r"\s*([+-]?\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEW])?\s*", value
    )
    if not match:
        return None
    degrees = float(match.group(1))
    minutes = float(match.group(2) or 0)
    seconds = float(match.group(3) or 0)
    result = abs(degrees) + minutes / 60 + seconds / 3600
    negative = degrees < 0 or match.group(4) in ("S", "W")
    return -result if negative else result


def xmp_gps(packet: str) -> tuple[float, float, float | None] | None:
    for lat_tag, lon_tag in (
        ("exif:GPSLatitude", "exif:GPSLongitude"),
        ("exifEX:GPSLatitude", "exifEX:GPSLongitude"),
        ("drone-dji:GpsLatitude", "drone-dji:GpsLongitude"),
        ("Camera:GPSLatitude", "Camera:GPSLongitude"),
    ):
        lats, lons = _values(packet, lat_tag), _values(packet, lon_tag)
        if not lats or not lons:
            continue
        lat, lon = _coordinate(lats[0]), _coordinate(lons[0])
        if lat is not None and lon is not None and valid_position(lat, lon):
            altitude = None
            alts = _values(packet, "exif:GPSAltitude")
            if alts and re.fullmatch(r"\d+/\d+", alts[0]):
                numerator, denominator = (int(x) for x in alts[0].split("/"))
                altitude = numerator / denominator if denominator else None
            return lat, lon, altitude
    return None


def xmp_names(packet: str) -> dict[str, list[str]]:
    """Identifying text in the packet, by kind (creator, owner, rights, serial, city)."""
    out: dict[str, list[str]] = {}
    for kind, tags in _NAMES.items():
        values = [v for tag in tags for v in _values(packet, tag)]
        if values:
            out[kind] = list(dict.fromkeys(values))
    return out


def xmp_orientation(packet: str) -> int | None:
    """tiff:Orientation, which some editors write only in XMP (1-8, else None)."""
    for value in _values(packet, "tiff:Orientation"):
        if value.isdigit() and 1 <= int(value) <= 8:
            return int(value)
    return None


def xmp_date(packet: str) -> str | None:
    """When the photo was taken, as the packet states it."""
    for tag in _DATES:
        for value in _values(packet, tag):
            if value.strip("0:-T ") and value[:1].isdigit():
                return value
    return None


def decode_packet(data: bytes) -> str:
    for encoding in ("utf-8", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
