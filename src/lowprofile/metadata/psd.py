"""Photoshop files: EXIF, XMP, IPTC and the colour profile among the image resources."""

from __future__ import annotations

import struct
from typing import Any

from lowprofile.metadata.blocks import Blocks
from lowprofile.metadata.iptc import photoshop_resources


def psd_blocks(data: Any) -> Blocks:
    """The resources after the header and the colour-mode data: 0x0422 EXIF, 0x0424 XMP,
    0x0404 IPTC, 0x040F ICC; one bounded copy of the resource section."""
    position = 26
    (mode_length,) = struct.unpack_from(">I", data, position)
    position += 4 + mode_length
    (resources_length,) = struct.unpack_from(">I", data, position)
    blocks = Blocks()
    raw = blocks.take(data, position + 4, position + 4 + resources_length, "PSD resources")
    resources = photoshop_resources(raw or b"")
    if 0x0422 in resources:
        blocks.exif.append(resources[0x0422])
    if 0x0424 in resources:
        blocks.xmp.append(resources[0x0424])
    blocks.iptc = resources.get(0x0404)
    blocks.icc = 0x040F in resources
    return blocks
