"""What one photo gives away: the model the reader fills and the stripper checks against.

It sits below the format modules so a stripper can know what the reader found in its original
(the Orientation to keep, whether it had a colour profile) without importing the reader, which
imports every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from lowprofile.errors import MetadataError


@dataclass
class Gps:
    lat: float
    lon: float
    alt: float | None = None
    source: str = "exif"


@dataclass
class PhotoMetadata:
    """Everything identifying found in one file; ``exposed`` lists it by name."""

    path: str
    format: str
    gps: Gps | None = None
    gps_time: str | None = None
    taken: str | None = None
    make: str | None = None
    model: str | None = None
    serials: list[str] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)
    """owner, artist, creator, rights… → values (from EXIF, XMP and IPTC)."""
    places: dict[str, list[str]] = field(default_factory=dict)
    """IPTC/XMP city, location, province, country."""
    software: str | None = None
    orientation: int | None = None
    has_xmp: bool = False
    has_iptc: bool = False
    has_icc: bool = False
    has_thumbnail: bool = False
    has_maker_notes: bool = False
    has_comment: bool = False
    has_flir: bool = False
    vendor_segments: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exposed(self) -> list[str]:
        """What this file reveals, most dangerous first."""
        return [label for label, present in _EXPOSURES if present(self)]

    @property
    def identifying(self) -> list[str]:
        """What a cleaned file must not contain."""
        return [item for item in self.exposed if item in IDENTIFYING]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["exposed"] = self.exposed
        return data


_EXPOSURES: list[tuple[str, Callable[[PhotoMetadata], object]]] = [
    ("gps", lambda m: m.gps),
    ("place_names", lambda m: m.places),
    ("serial_number", lambda m: m.serials),
    ("names", lambda m: m.names),
    ("thumbnail", lambda m: m.has_thumbnail),
    ("capture_time", lambda m: m.taken or m.gps_time),
    ("camera", lambda m: m.make or m.model),
    ("software", lambda m: m.software),
    ("maker_notes", lambda m: m.has_maker_notes),
    ("xmp", lambda m: m.has_xmp),
    ("iptc", lambda m: m.has_iptc),
    ("flir", lambda m: m.has_flir),
    ("vendor_data", lambda m: m.vendor_segments),
    ("comment", lambda m: m.has_comment),
]
"""Each exposure and how to tell it is there, most dangerous first."""
IDENTIFYING = {
    "gps",
    "serial_number",
    "names",
    "place_names",
    "xmp",
    "iptc",
    "thumbnail",
    "flir",
    "vendor_data",
}
"""What a cleaned file must not contain."""


class DamagedPhotoError(MetadataError):
    """A file cut short or broken part-way; ``partial`` holds what was read before the damage
    (a truncated upload still gives its GPS away, so a scan reports it)."""

    def __init__(self, message: str, partial: PhotoMetadata) -> None:
        super().__init__(message)
        self.partial = partial
