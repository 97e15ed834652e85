"""GIF: XMP in an application extension, found by walking the GIF's blocks."""

from __future__ import annotations

from lowprofile.metadata.blocks import Blocks
from lowprofile.metadata.limits import MAX_BOXES

GIF_XMP = b"\x21\xff\x0bXMP DataXMP"


_GIF_TRAILER = b"\x01\xff\xfe\xfd"
"""Start of the 258-byte "magic trailer" after a GIF's raw XMP (it counts down to 0x00, so a
decoder reading the XMP as sub-blocks lands on a terminator whatever the text)."""


def _colour_table(flags: int) -> int:
    return 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0


def gif_blocks(data: bytes | memoryview) -> Blocks:
    """XMP in a GIF's application extension (stored raw, ended by the magic trailer), found by
    walking the GIF's blocks (never by searching the whole file: a 2 GB file of nothing would be
    read from end to end). The walk is bounded by ``MAX_BOXES`` sub-blocks."""
    blocks = Blocks()
    size = len(data)
    if size < 13:
        return blocks
    position = 13 + _colour_table(data[10])
    steps = 0
    while position < size and data[position] != 0x3B:
        xmp_start = None
        if data[position] == 0x21:  # extension: label, then sub-blocks
            if bytes(data[position : position + len(GIF_XMP)]) == GIF_XMP:
                xmp_start = position + len(GIF_XMP)
            position += 2
        elif data[position] == 0x2C and position + 10 <= size:  # image: descriptor, table, LZW
            position += 10 + _colour_table(data[position + 9]) + 1
        else:
            blocks.problems.append(f"GIF block structure ends at byte {position}")
            break
        while position < size:  # sub-blocks, each a length byte and that many bytes
            steps += 1
            if steps > MAX_BOXES:
                blocks.problems.append(f"more than {MAX_BOXES:,} GIF sub-blocks")
                return blocks
            length = data[position]
            position += 1 + length
            if length == 0:
                break
        if xmp_start is not None:
            body = blocks.take(data, xmp_start, min(position, size), "GIF XMP")
            if body is not None:
                end = body.find(_GIF_TRAILER)
                blocks.xmp.append(body[:end] if end >= 0 else body)
    return blocks
