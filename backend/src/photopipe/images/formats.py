"""Recognising an image's real format from its first bytes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageFormat:
    name: str  # Pillow's format name
    content_type: str


JPEG = ImageFormat("JPEG", "image/jpeg")
PNG = ImageFormat("PNG", "image/png")
GIF = ImageFormat("GIF", "image/gif")
WEBP = ImageFormat("WEBP", "image/webp")
TIFF = ImageFormat("TIFF", "image/tiff")
HEIF = ImageFormat("HEIF", "image/heif")
AVIF = ImageFormat("AVIF", "image/avif")
JPEG_XL = ImageFormat("JXL", "image/jxl")  # recognised to be refused with a clear reason

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}

# Content types that name the same container.
_EQUIVALENT = {"image/heic": "image/heif", "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}


def sniff(head: bytes) -> ImageFormat | None:
    """The format the bytes really are, or None when they are no image we know."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return JPEG_XL
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return HEIF
        if brand in _AVIF_BRANDS:
            return AVIF
    return None


def canonical_content_type(content_type: str) -> str:
    base = content_type.split(";", 1)[0].strip().lower()
    return _EQUIVALENT.get(base, base)


OUTPUT_FORMATS: dict[str, tuple[str, str]] = {
    # requested name -> (Pillow format, content type)
    "jpeg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
    "avif": ("AVIF", "image/avif"),
}

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}
