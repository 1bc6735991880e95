"""Header structures counted before a decoder builds them.

A decoder trusts the counts a header declares: a 12 MB TIFF whose StripOffsets claims 3,000,000
strips makes Pillow build 3 million strip objects while it opens the file (~800 MB), before any
pixel count or memory estimate is read. So the counts that cost memory are read here first, from
the bytes, with a bound no real photo comes near. Written by hand: the TIFF header is three
fields and a table, and no library reads it without building what it describes.
"""

from __future__ import annotations

import struct

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import formats

# A 64 MP TIFF in 256x256 tiles has ~1,000; one row per strip of an 8000-row image, 8,000.
MAX_TIFF_PARTS = 65_536
# StripOffsets, StripByteCounts, TileOffsets, TileByteCounts: one entry per strip or tile.
_PART_TAGS = {273: "strips", 279: "strips", 324: "tiles", 325: "tiles"}
_ENTRY = 12  # bytes per IFD entry in classic TIFF


def check(data: bytes, fmt: formats.ImageFormat) -> None:
    """Raises DECOMPRESSION_BOMB when a header declares more parts than any real photo has."""
    if fmt is formats.TIFF:
        _check_tiff(data)


def _check_tiff(data: bytes) -> None:
    order = "<" if data[:2] == b"II" else ">"
    if len(data) < 8:
        return  # the decoder says what is wrong with it
    (first_ifd,) = struct.unpack(order + "I", data[4:8])
    if first_ifd + 2 > len(data):
        return
    (entries,) = struct.unpack(order + "H", data[first_ifd : first_ifd + 2])
    entries = min(entries, (len(data) - first_ifd - 2) // _ENTRY)
    for index in range(entries):
        start = first_ifd + 2 + index * _ENTRY
        tag, _kind, count = struct.unpack(order + "HHI", data[start : start + 8])
        if tag in _PART_TAGS and count > MAX_TIFF_PARTS:
            raise PermanentImageError(
                ErrorCode.DECOMPRESSION_BOMB,
                f"The TIFF declares {count} {_PART_TAGS[tag]}; at most {MAX_TIFF_PARTS} are read.",
            )
