"""What an XMP packet gives away: GPS (edited photos often keep it only here) and names.

XMP is RDF/XML, and writers differ (attributes or elements, rdf:Seq lists, odd or undeclared
namespace prefixes), so properties are matched by the qualified name the file writes
("dc:creator"), not by namespace URI. The packet is read in one linear pass with the standard
library's expat: one tokenizer instead of a regex per property (a packet of thousands of
unclosed elements made those patterns quadratic). A packet that declares a DOCTYPE or an entity
is refused before anything is expanded (no "billion laughs"), nothing is fetched, and a packet
broken part-way still yields what came before the break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from lowprofile.metadata.limits import (
    MAX_TEXT_CHARS,
    MAX_VALUES_PER_KIND,
    MAX_XMP_ELEMENTS,
    MAX_XMP_NESTED_PROPERTIES,
)
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
_GPS_PAIRS = (
    ("exif:GPSLatitude", "exif:GPSLongitude"),
    ("exifEX:GPSLatitude", "exifEX:GPSLongitude"),
    ("drone-dji:GpsLatitude", "drone-dji:GpsLongitude"),
    ("Camera:GPSLatitude", "Camera:GPSLongitude"),
)
_ALTITUDE = "exif:GPSAltitude"
_ORIENTATION = "tiff:Orientation"
_DATES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate")
WANTED = frozenset(
    {tag for tags in _NAMES.values() for tag in tags}
    | {tag for pair in _GPS_PAIRS for tag in pair}
    | {_ALTITUDE, _ORIENTATION, *_DATES}
)
"""Every property read from a packet; the rest is tokenized and passed over."""
_LIST_ITEM = "rdf:li"
_RAW_CHARS = 4 * MAX_TEXT_CHARS
"""Characters gathered for one value before its whitespace is folded and it is cut to size."""


@dataclass
class Xmp:
    """What one packet says, property by property, in document order."""

    values: dict[str, list[str]] = field(default_factory=dict)
    problem: str | None = None
    """Why reading stopped early (broken XML, a DOCTYPE, too many elements), if it did."""

    def get(self, tag: str) -> list[str]:
        return self.values.get(tag, [])

    def add(self, tag: str, raw: str) -> None:
        value = " ".join(raw.split())[:MAX_TEXT_CHARS]
        found = self.values.setdefault(tag, [])
        if value and len(found) < MAX_VALUES_PER_KIND:
            found.append(value)


class _Refused(Exception):
    """Raised inside a handler to stop the parse (expat has no other way to abort)."""


@dataclass
class _Capture:
    """A wanted element being read: its direct text, or one value per rdf:li inside it."""

    tag: str
    depth: int
    body: list[str] = field(default_factory=list)
    item: list[str] | None = None
    item_depth: int = 0
    """Depth of the rdf:li being read (0: none)."""
    had_items: bool = False
    size: int = 0
    """Characters gathered for the current value (its body or its current item)."""


class _Reader:
    """The expat handlers: attributes are read on the spot, element text is gathered by the
    innermost wanted element only, so the work per token is constant however deep the nesting."""

    def __init__(self) -> None:
        self.out = Xmp()
        self.captures: list[_Capture] = []
        self.elements = 0
        self.depth = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        self.depth += 1
        if self.elements > MAX_XMP_ELEMENTS:
            raise _Refused(f"more than {MAX_XMP_ELEMENTS:,} elements")
        if attributes:
            for key, value in attributes.items():
                if key in WANTED:
                    self.out.add(key, value)
        if name in WANTED and len(self.captures) < MAX_XMP_NESTED_PROPERTIES:
            self.captures.append(_Capture(name, self.depth))
        elif self.captures:
            capture = self.captures[-1]
            if name == _LIST_ITEM and not capture.item_depth:
                capture.item, capture.size = [], 0
                capture.item_depth = self.depth
                capture.had_items = True
            self.text(" ")

    def end(self, _name: str) -> None:
        depth = self.depth
        self.depth -= 1
        if not self.captures:
            return
        capture = self.captures[-1]
        if depth == capture.depth:
            self.captures.pop()
            if not capture.had_items:
                self.out.add(capture.tag, "".join(capture.body))
        elif depth == capture.item_depth and capture.item is not None:
            self.out.add(capture.tag, "".join(capture.item))  # kept even if the packet is cut
            capture.item, capture.item_depth = None, 0
        else:
            self.text(" ")

    def text(self, data: str) -> None:
        if not self.captures:
            return
        capture = self.captures[-1]
        if capture.size < _RAW_CHARS:
            capture.size += len(data)
            (capture.item if capture.item is not None else capture.body).append(data)

    @staticmethod
    def refuse_doctype(*_: object) -> None:
        raise _Refused("the packet declares a DOCTYPE or entities")


def parse_xmp(raw: bytes) -> Xmp:
    """Read the wanted properties of one packet; never raises (a bad packet sets ``problem``)."""
    reader = _Reader()
    parser = expat.ParserCreate()
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    parser.StartDoctypeDeclHandler = reader.refuse_doctype
    parser.EntityDeclHandler = reader.refuse_doctype
    parser.ExternalEntityRefHandler = None
    parser.buffer_text = True
    try:
        parser.Parse(_as_text(raw), True)
    except _Refused as exc:
        reader.out.problem = f"XMP not read past this point: {exc}"
    except expat.ExpatError as exc:
        if reader.elements:  # trailing junk or a cut packet: what came before still counts
            reader.out.problem = f"XMP is broken ({expat.ErrorString(exc.code)})"
        else:
            reader.out.problem = "XMP packet is not XML"
    return reader.out


def _as_text(raw: bytes) -> str:
    """The packet as text with the XML declaration removed, so expat takes the decoded text
    as it is (packets say UTF-8 but are UTF-16 or Latin-1 often enough). NULs are dropped:
    UTF-16 packets decoded as something else, and padding, carry them."""
    text = decode_packet(raw).lstrip("\ufeff\x00 \r\n\t")
    if text.startswith("<?xml"):
        end = text.find("?>")
        text = text[end + 2 :] if end >= 0 else text
    return text.replace("\x00", "")


def decode_packet(data: bytes) -> str:
    """UTF-8 as the standard says; UTF-16 told by its BOM or by where the NULs of its ASCII
    markup fall (packets are written without a BOM, the BOM sitting inside ``xpacket begin``)."""
    head = data[:2]
    if head in (b"\xfe\xff", b"\xff\xfe"):
        encodings: tuple[str, ...] = ("utf-16",)
    elif len(head) == 2 and head[0] == 0 and head[1]:
        encodings = ("utf-16-be",)
    elif len(head) == 2 and head[1] == 0 and head[0]:
        encodings = ("utf-16-le",)
    else:
        encodings = ("utf-8",)
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_COORDINATE = re.compile(
    r"\s*([+-]?\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEW])?\s*"
)


def _coordinate(value: str) -> float | None:
    """``37,46.6N``, ``37,46,36N``, ``37.7767N`` or ``-122.41`` → signed degrees."""
    match = _COORDINATE.fullmatch(value)
    if not match:
        return None
    degrees = float(match.group(1))
    minutes = float(match.group(2) or 0)
    seconds = float(match.group(3) or 0)
    result = abs(degrees) + minutes / 60 + seconds / 3600
    negative = degrees < 0 or match.group(4) in ("S", "W")
    return -result if negative else result


def xmp_gps(xmp: Xmp) -> tuple[float, float, float | None] | None:
    for lat_tag, lon_tag in _GPS_PAIRS:
        lats, lons = xmp.get(lat_tag), xmp.get(lon_tag)
        if not lats or not lons:
            continue
        lat, lon = _coordinate(lats[0]), _coordinate(lons[0])
        if lat is not None and lon is not None and valid_position(lat, lon):
            altitude = None
            alts = xmp.get(_ALTITUDE)
            if alts and re.fullmatch(r"\d{1,20}/\d{1,20}", alts[0]):
                numerator, denominator = (int(x) for x in alts[0].split("/"))
                altitude = numerator / denominator if denominator else None
            return lat, lon, altitude
    return None


def xmp_names(xmp: Xmp) -> dict[str, list[str]]:
    """Identifying text in the packet, by kind (creator, owner, rights, serial, city)."""
    out: dict[str, list[str]] = {}
    for kind, tags in _NAMES.items():
        values = [v for tag in tags for v in xmp.get(tag)]
        if values:
            out[kind] = list(dict.fromkeys(values))
    return out


def xmp_orientation(xmp: Xmp) -> int | None:
    """tiff:Orientation, which some editors write only in XMP (1-8, else None)."""
    for value in xmp.get(_ORIENTATION):
        if value.isdigit() and 1 <= int(value) <= 8:
            return int(value)
    return None


def xmp_date(xmp: Xmp) -> str | None:
    """When the photo was taken, as the packet states it."""
    for tag in _DATES:
        for value in xmp.get(tag):
            if value.strip("0:-T ") and value[:1].isdigit():
                return value
    return None
