"""Recognising a file by its first bytes, never by its name.

Sample sets hold HEICs named ``.jpg`` and NEFs that are JPEGs; a user's folder holds anything.
"""

from __future__ import annotations

JXL_CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
                b"avif", b"avis", b"mif2"}  # fmt: skip
_VIDEO_BRANDS = {b"qt  ", b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42",
                 b"M4V ", b"M4A ", b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gp8",
                 b"3gp9", b"3g2a", b"3g2b", b"3g2c", b"avc1", b"dash", b"MSNV",
                 b"XAVC", b"mmp4"}  # fmt: skip


def sniff(head: bytes) -> str | None:
    """The container format of a file from its first 32 bytes, or None if not a photo/video."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00"):
        return "tiff"
    if head.startswith(JXL_CONTAINER):
        return "jxl"
    if head.startswith(b"\xff\x0a"):
        return "jxl-codestream"
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "raf"
    if head.startswith(b"8BPS"):
        return "psd"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "heif"
        if brand == b"crx ":
            return "cr3"
        return "video" if brand in _VIDEO_BRANDS or brand.strip() else None
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free") and len(head) >= 8:
        return "video"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM") and len(head) >= 14:
        return "bmp"
    return None
