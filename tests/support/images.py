"""Images made by the tests themselves: ordinary, unusual and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageCms


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo(
    width: int = 1200, height: int = 800, fmt: str = "JPEG", orientation: int | None = None, gps: bool = False
) -> bytes:
    """A photo-like RGB image with a red block in the top-left corner (to check orientation)."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 22.0, 12.0), 3: "E", 4: (4.0, 53.0, 28.0)}
    params: dict[str, object] = {"exif": exif} if (orientation or gps) else {}
    return encode(image, fmt, **params)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height, with a tiny (invalid) body: a bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


GPS = {
    ExifTags.GPS.GPSLatitudeRef: "S",
    ExifTags.GPS.GPSLatitude: (33.0, 51.0, 54.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (151.0, 12.0, 36.0),
}


def phone_exif(details: dict[int, object] | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 17 Pro"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2026:07:14 18:03:27",
        ExifTags.Base.OffsetTimeOriginal: "+02:00",
        ExifTags.Base.SubsecTimeOriginal: "42",
        ExifTags.Base.LensModel: "iPhone 17 Pro back triple camera 6.76mm f/1.78",
        **(details or {}),
    }
    exif[ExifTags.IFD.GPSInfo] = GPS
    return exif


SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def phone_photo(exif: Image.Exif, fmt: str = "JPEG") -> bytes:
    # An sRGB profile too, as many cameras embed: not converted, and not copied to outputs.
    image = Image.new("RGB", (640, 480), (120, 160, 200))
    return encode(image, fmt, exif=exif.tobytes(), quality=90, icc_profile=SRGB_PROFILE)


def tiff_claiming(parts: int, tag: int = 273, byte_order: str = "<") -> bytes:
    """A one-IFD TIFF of 1000 x 3000 pixels whose StripOffsets (or another part tag) claims
    `parts` entries, with room for the offsets it names, as the hostile 12 MB file did."""
    magic = b"II*\x00" if byte_order == "<" else b"MM\x00*"
    entries = [(256, 4, 1, 1000), (257, 4, 1, 3000), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1)]
    entries += [(tag, 4, parts, 4096), (278, 4, 1, 1)]
    ifd = struct.pack(byte_order + "H", len(entries))
    for code, kind, count, value in sorted(entries):
        ifd += struct.pack(byte_order + "HHII", code, kind, count, value)
    ifd += struct.pack(byte_order + "I", 0)
    head = magic + struct.pack(byte_order + "I", 8) + ifd
    return head + bytes(4096 - len(head)) + bytes(4 * parts)
