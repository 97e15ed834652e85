"""Every limit the photo reader keeps, named once, so a hostile file costs bounded time and memory.

A person runs the scan over a whole library from cron, and a file in it may have been made to
hurt: a count of 4 billion items, a length of 1 GB that inflates from 1 MB, a packet of thousands
of unclosed elements. Each number a file declares (a count, a length, a size after inflating) is
checked against one of these limits *before* anything is allocated or looped over; what goes
past a limit is dropped with a warning, never trusted. The limits are far above anything a real
camera, phone or editor writes (the largest real XMP packets, from Lightroom with a long edit
history, are a few hundred kB). docs/limits.md lists them for users.
"""

from __future__ import annotations

MAX_BLOCK_BYTES = 16 * 1024 * 1024
"""One metadata block copied out of a file (an EXIF block, an XMP packet, a HEIF item, a text
chunk after inflating). A file's own size is not a limit: the file is memory-mapped, and only
the blocks are copied."""

MAX_TOTAL_BLOCK_BYTES = 64 * 1024 * 1024
"""All metadata blocks of one file together (a HEIF may point many items at one region)."""

MAX_BOXES = 1_000_000
"""Boxes or chunks walked in one container level (ISO-BMFF, PNG, RIFF), and JPEG segments
before the image data. A 100 MB PNG written in 8 kB IDAT chunks has 12,800; a million bounds a
walk to about a second and its list to about 150 MB."""

MAX_STRAY_BYTES = 1024 * 1024
"""Stray or fill bytes skipped between two JPEG segments (editors leave a few; a segment is at
most 64 kB, so a longer run means no header structure follows)."""

MAX_HEIF_ITEMS = 10_000
"""Items in a HEIF ``iloc`` box (a phone photo has a few dozen: tiles, thumbnail, EXIF, XMP)."""

MAX_HEIF_EXTENTS = 1_024
"""Extents of one HEIF item (real items have one or a few)."""

MAX_IFD_ENTRIES = 1024
"""Entries in one TIFF directory (cameras write a few dozen to a few hundred)."""

MAX_TIFF_VALUE_BYTES = 1024 * 1024
"""One TIFF tag's value (a maker note or an embedded XMP is the largest that matters)."""

MAX_TIFF_IFD_VALUE_BYTES = 4 * 1024 * 1024
"""All values of one TIFF directory together: 1,000 entries each pointing at the same 8 MB
region must not copy it 1,000 times."""

MAX_XMP_ELEMENTS = 100_000
"""Elements read from one XMP packet; the rest of the packet is ignored with a warning."""

MAX_XMP_NESTED_PROPERTIES = 16
"""Wanted XMP properties read inside one another; deeper ones (never seen in real packets,
thousands in crafted ones) are passed over without allocating anything."""

MAX_TEXT_CHARS = 1_000
"""One name, place, serial or date reported from a file; longer values are cut (with "…"), so
a scan's JSON stays a few MB however the files were crafted."""

MAX_VALUES_PER_KIND = 20
"""Values of one kind (creator, owner, city…) kept per file."""

MAX_WARNINGS = 20
"""Warnings kept per file."""
