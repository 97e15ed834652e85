"""XMP read in one expat pass: every way writers state a property, and packets that fight back."""

from __future__ import annotations

import pytest

from lowprofile.metadata.limits import MAX_TEXT_CHARS, MAX_VALUES_PER_KIND
from lowprofile.metadata.xmp import parse_xmp, xmp_date, xmp_gps, xmp_names, xmp_orientation

HEAD = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
)
TAIL = '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'


def packet(body: str) -> bytes:
    return (HEAD + body + TAIL).encode()


def test_attributes_elements_and_lists() -> None:
    xmp = parse_xmp(
        packet(
            "<rdf:Description exif:GPSLatitude='30,16.2000N' exif:GPSLongitude=\"97,44.4W\" "
            'exif:GPSAltitude="1234/10" tiff:Orientation="6">'
            "<dc:creator><rdf:Seq><rdf:li>Jane Example</rdf:li><rdf:li> Bob\n  Smith </rdf:li>"
            "</rdf:Seq></dc:creator>"
            '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">&#169; Jane &amp; Co</rdf:li>'
            "</rdf:Alt></dc:rights>"
            "<aux:SerialNumber>SN-1</aux:SerialNumber>"
            '<Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiEmailWork="jane@example.com">'
            "<Iptc4xmpCore:CiAdrCity>Austin</Iptc4xmpCore:CiAdrCity>"
            "</Iptc4xmpCore:CreatorContactInfo>"
            "<photoshop:DateCreated>2026-05-01T12:00:00</photoshop:DateCreated>"
            "</rdf:Description>"
        )
    )
    assert xmp.problem is None
    lat, lon, alt = xmp_gps(xmp) or (0, 0, 0)
    assert abs(lat - 30.27) < 1e-6 and abs(lon + 97.74) < 1e-6 and alt == 123.4
    assert xmp_orientation(xmp) == 6
    assert xmp_date(xmp) == "2026-05-01T12:00:00"
    names = xmp_names(xmp)
    assert names["creator"] == ["Jane Example", "Bob Smith"]
    assert names["rights"] == ["© Jane & Co"]  # entities decoded, not left as "&amp;"
    assert names["serial"] == ["SN-1"]
    assert names["contact"] == ["Austin", "jane@example.com"]  # in the order of _NAMES


def test_structured_item_text_is_joined() -> None:
    xmp = parse_xmp(
        packet(
            '<rdf:Description><dc:creator><rdf:Bag><rdf:li rdf:parseType="Resource">'
            "<a:first>Jane</a:first><a:last>Example</a:last></rdf:li></rdf:Bag></dc:creator>"
            "</rdf:Description>"
        )
    )
    assert xmp_names(xmp)["creator"] == ["Jane Example"]


def test_a_cut_packet_keeps_what_came_before_the_cut() -> None:
    raw = packet("<rdf:Description><dc:creator><rdf:Seq><rdf:li>Jane Example</rdf:li><rdf:li>Bo")
    xmp = parse_xmp(raw[: raw.index(b"<rdf:li>Bo") + 10])
    assert xmp_names(xmp)["creator"] == ["Jane Example"]
    assert xmp.problem is not None and "broken" in xmp.problem


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le", "utf-16"])
def test_utf16_packets_with_or_without_a_bom(encoding: str) -> None:
    raw = packet('<rdf:Description photoshop:City="Zürich"/>').decode().encode(encoding)
    assert xmp_names(parse_xmp(raw))["city"] == ["Zürich"]


def test_entities_and_external_references_are_refused() -> None:
    raw = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + HEAD
        + "<rdf:Description><dc:creator>&e;</dc:creator></rdf:Description>"
        + TAIL
    ).encode()
    xmp = parse_xmp(raw)
    assert xmp.values == {} and xmp.problem is not None and "DOCTYPE" in xmp.problem


def test_values_are_bounded() -> None:
    items = "".join(f"<rdf:li>Name {i} {'x' * 5000}</rdf:li>" for i in range(100))
    xmp = parse_xmp(packet(f"<rdf:Description><dc:creator><rdf:Bag>{items}</rdf:Bag>"
                           "</dc:creator></rdf:Description>"))  # fmt: skip
    creators = xmp_names(xmp)["creator"]
    assert len(creators) == MAX_VALUES_PER_KIND
    assert all(len(c) <= MAX_TEXT_CHARS for c in creators)
    assert creators[0].startswith("Name 0 xxx")


def test_not_xml_at_all() -> None:
    xmp = parse_xmp(b"\x00\x01garbage<<<")
    assert xmp.values == {} and xmp.problem == "XMP packet is not XML"
