"""Photos made in the tests with Pillow, carrying GPS, serials, names and XMP in each format."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageCms

XMP_WITH_GPS = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'exif:GPSLatitude="30,16.2000N" exif:GPSLongitude="97,44.4000W">'
    b"<dc:creator><rdf:Seq><rdf:li>Jane Example</rdf:li></rdf:Seq></dc:creator>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
LAT, LON = 30.27, -97.74  # 30°16.2'N 97°44.4'W


def picture(size: tuple[int, int] = (48, 32)) -> Image.Image:
    image = Image.new("RGB", size)
    image.putdata([((x * 7) % 256, (y * 11) % 256, (x * y) % 256) for y in range(size[1])
                   for x in range(size[0])])  # fmt: skip
    return image


def exif_block(
    gps: tuple[float, float] | None = (LAT, LON),
    serial: str | None = "SN-0042",
    owner: str | None = "Jane Example",
    orientation: int | None = None,
    taken: str = "2026:05:01 12:00:00",
) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"
    exif[0x0110] = "Model 1"
    if orientation:
        exif[0x0112] = orientation
    sub = exif.get_ifd(0x8769)
    if serial:
        sub[0xA431] = serial
    if owner:
        sub[0xA430] = owner
    sub[0x9003] = taken
    if gps is not None:
        lat, lon = gps
        g = exif.get_ifd(0x8825)
        g[1] = "N" if lat >= 0 else "S"
        g[2] = _dms(abs(lat))
        g[3] = "E" if lon >= 0 else "W"
        g[4] = _dms(abs(lon))
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return (float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4))


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def save(path: Path, fmt: str, **kwargs: object) -> Path:
    picture().save(path, format=fmt, **kwargs)
    return path


def jpeg(path: Path, **exif_kwargs: object) -> Path:
    exif = exif_block(**exif_kwargs)  # type: ignore[arg-type]
    return save(path, "JPEG", exif=exif, xmp=XMP_WITH_GPS, icc_profile=srgb_icc(), quality=90)


def jpeg_bytes(**exif_kwargs: object) -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, format="JPEG", exif=exif_block(**exif_kwargs))  # type: ignore[arg-type]
    return buffer.getvalue()
