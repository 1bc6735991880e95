"""Ultra HDR: a JPEG whose HDR gain map rides beside the SDR picture, kept in JPEG variants.

An Ultra HDR JPEG (Android 14+, libultrahdr, Chrome, Photoshop) is the SDR picture followed by a
second JPEG, the gain map, located through the picture's MPF (Multi-Picture Format) segment and
described by ISO 21496-1 metadata (an APP2 segment), Adobe's `hdrgm` XMP, or both. A screen that
can show HDR scales each pixel by the map; any other shows the SDR picture. A variant keeps it
when the map is scaled (or cropped) with the picture and written back the same way.

What is carried over: the gain map's pixels and its metadata only. ISO 21496-1 segments are
numbers (versions, gains, offsets) and pass through verbatim; `hdrgm` XMP is rebuilt from its
`hdrgm` fields alone, so nothing else an XMP packet can hold (places, people, software) reaches
an output.

Written by hand: Pillow reads MPF but its MPO writer re-encodes every picture with the first
one's settings and replaces each picture's own segments, so the gain map's metadata cannot pass
through it; no maintained library on PyPI writes Ultra HDR from pixels we already have. The
segment walk and the MPF directory are small and tested against libvips (libultrahdr) reading
what we write.
"""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, replace

from PIL import Image, TiffImagePlugin

ISO_21496 = b"urn:iso:std:iso:ts:21496:-1\x00"
_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_MPF = b"MPF\x00"
HDRGM = "http://ns.adobe.com/hdr-gain-map/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SOI, _SOS, _APP1, _APP2 = 0xD8, 0xDA, 0xE1, 0xE2
# A gain map is usually a quarter (libultrahdr) or a sixteenth (Android's camera) of the
# picture's pixels. One larger than a quarter is not kept: the memory estimate counts a quarter.
MAX_SHARE_OF_PICTURE = 0.25
_MAX_METADATA_BYTES = 4096  # ISO 21496-1's numbers for three channels take about 150
GAIN_MAP_QUALITY = 85  # a smooth map; libultrahdr's default is 95, 85 is visually the same
SIDEWAYS = (5, 6, 7, 8)  # the EXIF orientations that swap width and height
# Orientation tag -> what Pillow's exif_transpose() applies to the picture; the map gets the same.
_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class GainMap:
    """A decoded gain map (L or RGB), oriented like the picture and covering the same frame, and
    the metadata segments written back with it: for the map (ISO 21496-1 payload, hdrgm XMP
    fields) and for the picture (its ISO 21496-1 payload)."""

    image: Image.Image
    # The map's size over the picture's, each way, as stored (before either was decoded smaller):
    # every variant's map keeps it.
    share: tuple[float, float] = (1.0, 1.0)
    iso_metadata: bytes | None = None
    hdrgm_fields: bytes | None = None  # the map's rebuilt hdrgm XMP packet
    primary_iso_metadata: bytes | None = None

    def cropped(
        self, box: tuple[float, float, float, float], picture: tuple[int, int], variant: tuple[int, int]
    ) -> GainMap:
        """The map for a variant cut from `box` of `picture` (the image the variant is made from,
        of the whole frame) and scaled to `variant`."""
        sx, sy = self.image.width / picture[0], self.image.height / picture[1]
        size = (max(1, round(variant[0] * self.share[0])), max(1, round(variant[1] * self.share[1])))
        scaled_box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
        return replace(self, image=self.image.resize(size, Image.Resampling.BILINEAR, box=scaled_box))


def segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each segment of a JPEG's header, SOI excluded, up to the first
    scan; raises ValueError where the header is not one."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    found: list[tuple[int, int, int]] = []
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError(f"no marker at {at}")
        marker = data[at + 1]
        if marker == _SOS:
            return found
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        found.append((marker, at, at + 2 + length))
        at += 2 + length
    raise ValueError("the header has no scan")


def _payload(data: bytes, marker: int, signature: bytes) -> tuple[int, bytes] | None:
    """(start of the payload, payload) of the first segment with this marker and signature."""
    for found, start, end in segments(data):
        if found == marker and data[start + 4 : start + 4 + len(signature)] == signature:
            return start + 4 + len(signature), data[start + 4 + len(signature) : end]
    return None


def gain_map_bytes(data: bytes) -> bytes | None:
    """The second picture the MPF segment locates, when it is a JPEG. Read here, not from
    Pillow's MpoImageFile: Pillow opens a JPEG with hdrgm XMP as a single picture."""
    mpf = _payload(data, _APP2, _MPF)
    if mpf is None:
        return None
    start_of_mpf, payload = mpf
    stream = io.BytesIO(payload)
    directory = TiffImagePlugin.ImageFileDirectory_v2(stream.read(8))
    stream.seek(directory.next)
    directory.load(stream)
    entries = directory.get(0xB002)
    if not isinstance(entries, bytes) or len(entries) < 32:
        return None
    byte_order = ">" if payload[:2] == b"MM" else "<"
    _, size, offset, _, _ = struct.unpack_from(f"{byte_order}LLLHH", entries, 16)
    start = start_of_mpf + offset
    if offset <= 0 or size <= 0 or start + size > len(data) or data[start : start + 2] != b"\xff\xd8":
        return None
    return data[start : start + size]


def hdrgm_packet(xmp: bytes) -> bytes | None:
    """A new XMP packet holding only the hdrgm fields of this one (None when it has none)."""
    if not xmp or b"<!DOCTYPE" in xmp or b"<!ENTITY" in xmp or HDRGM.encode() not in xmp:
        return None  # no entity may expand, whatever the parser's own limits
    try:
        root = ElementTree.fromstring(xmp)  # noqa: S314 (no DTD above, so no entity can expand)
    except ElementTree.ParseError:
        return None
    ElementTree.register_namespace("hdrgm", HDRGM)
    ElementTree.register_namespace("rdf", _RDF)
    ElementTree.register_namespace("x", "adobe:ns:meta/")
    kept = ElementTree.Element(f"{{{_RDF}}}Description")
    for description in root.iter(f"{{{_RDF}}}Description"):
        for name, value in description.attrib.items():
            if name.startswith(f"{{{HDRGM}}}"):
                kept.set(name, value)
        for child in description:
            if child.tag.startswith(f"{{{HDRGM}}}"):  # per-channel values: an rdf:Seq each
                kept.append(child)
    if not kept.attrib:
        return None
    rdf = ElementTree.Element(f"{{{_RDF}}}RDF")
    rdf.append(kept)
    meta = ElementTree.Element("{adobe:ns:meta/}xmpmeta")
    meta.append(rdf)
    return ElementTree.tostring(meta)


def read(data: bytes, picture: tuple[int, int], orientation: int | None, longest: int | None) -> GainMap | None:
    """The gain map of an Ultra HDR JPEG (`data`, whose picture is `picture` in size as stored),
    oriented like the picture and decoded at the smallest JPEG scale that still covers `longest`
    of the picture, or None: none there, unreadable (the picture still renders, in SDR), or
    larger than MAX_SHARE_OF_PICTURE."""
    try:
        encoded = gain_map_bytes(data)
        if encoded is None:
            return None
        iso = _payload(encoded, _APP2, ISO_21496)
        xmp = _payload(encoded, _APP1, _XMP)
        fields = hdrgm_packet(xmp[1]) if xmp else None
        if (iso is None or len(iso[1]) > _MAX_METADATA_BYTES) and fields is None:
            return None  # a second picture that is not a gain map (a stereo pair, a preview)
        opened = Image.open(io.BytesIO(encoded))
        if opened.format != "JPEG" or opened.mode not in ("L", "RGB"):
            return None
        if opened.width * opened.height > MAX_SHARE_OF_PICTURE * picture[0] * picture[1]:
            return None
        share = (opened.width / picture[0], opened.height / picture[1])
        if orientation in SIDEWAYS:
            share = (share[1], share[0])
        if longest:  # the same DCT scaling as the picture's: the map at the variants' scale
            scale = min(1.0, longest / max(picture))
            opened.draft(opened.mode, (max(1, round(opened.width * scale)), max(1, round(opened.height * scale))))
        opened.load()
        image: Image.Image = opened
        if orientation in _TRANSPOSES:
            image = image.transpose(_TRANSPOSES[orientation])
        primary_iso = _payload(data, _APP2, ISO_21496)
    except MemoryError:
        raise  # the process's, not the map's
    except Exception:  # whatever a damaged map raises, it costs the HDR rendition, not the photo
        return None
    return GainMap(
        image,
        share,
        iso[1] if iso and len(iso[1]) <= _MAX_METADATA_BYTES else None,
        fields,
        primary_iso[1] if primary_iso and len(primary_iso[1]) <= _MAX_METADATA_BYTES else None,
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def _primary_xmp(gain_map_length: int) -> bytes:
    """The picture's hdrgm XMP: the version, and where the map is (Google's container directory)."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:Container="http://ns.google.com/photos/1.0/container/" '
        'xmlns:Item="http://ns.google.com/photos/1.0/container/item/" '
        f'xmlns:hdrgm="{HDRGM}" hdrgm:Version="1.0"><Container:Directory><rdf:Seq>'
        '<rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="Primary" Item:Mime="image/jpeg"/></rdf:li>'
        '<rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="GainMap" Item:Mime="image/jpeg" '
        f'Item:Length="{gain_map_length}"/></rdf:li>'
        "</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def _mpf(picture_length: int, gain_map_length: int, mpf_at: int) -> bytes:
    """The MPF payload (after its signature) for a picture of picture_length bytes followed by
    the map; offsets count from the payload's first byte, at mpf_at in the file (CIPA DC-007)."""
    directory = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"II")
    directory[0xB000] = b"0100"
    directory[0xB001] = 2
    directory[0xB002] = struct.pack("<LLLHH", 0x030000, picture_length, 0, 0, 0) + struct.pack(
        "<LLLHH", 0, gain_map_length, picture_length - mpf_at, 0, 0
    )
    return b"II\x2a\x00" + struct.pack("<L", 8) + directory.tobytes(8)


def _insert_after_app_headers(data: bytes, inserted: bytes) -> bytes:
    """The JPEG with `inserted` after its leading APPn segments (JFIF, ICC profile)."""
    at = 2
    for marker, _, end in segments(data):
        if not 0xE0 <= marker <= 0xEF:
            break
        at = end
    return data[:at] + inserted + data[at:]


def with_gain_map(picture: bytes, gain_map: GainMap) -> bytes:
    """An encoded JPEG picture joined with its gain map into one Ultra HDR JPEG."""
    encoded = io.BytesIO()
    gain_map.image.save(encoded, "JPEG", quality=GAIN_MAP_QUALITY, optimize=True)
    map_segments = b""
    if gain_map.iso_metadata is not None:
        map_segments += _segment(_APP2, ISO_21496 + gain_map.iso_metadata)
    if gain_map.hdrgm_fields is not None:
        map_segments += _segment(_APP1, _XMP + gain_map.hdrgm_fields)
    map_jpeg = _insert_after_app_headers(encoded.getvalue(), map_segments)
    header = b""
    if gain_map.primary_iso_metadata is not None:
        header += _segment(_APP2, ISO_21496 + gain_map.primary_iso_metadata)
    if gain_map.hdrgm_fields is not None:
        header += _segment(_APP1, _XMP + _primary_xmp(len(map_jpeg)))
    # The MPF segment's size does not depend on the offsets in it: place it, then fill it in.
    placeholder = _segment(_APP2, _MPF + _mpf(0, 0, 0))
    joined = _insert_after_app_headers(picture, header + placeholder)
    at = joined.index(placeholder)
    filled = _segment(_APP2, _MPF + _mpf(len(joined), len(map_jpeg), at + 4 + len(_MPF)))
    return joined[:at] + filled + joined[at + len(placeholder) :] + map_jpeg
