"""Colour management: what space an upload's pixels are in, and converting them to sRGB.

Phones shoot Display P3, editors export Adobe RGB or ProPhoto, print workflows send CMYK: an
output that drops the profile without converting shows duller, shifted colours. littleCMS (via
Pillow's ImageCms) does every conversion, relative colorimetric like libvips' `thumbnail`; RGB
images are converted after the downscale, so the cost follows the output's pixels, not the
original's.
"""

from __future__ import annotations

import functools
import io
import logging

from PIL import Image, ImageCms

from photopipe.images import icc

logger = logging.getLogger(__name__)

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC
# Real profiles are 0.5-3 KB (matrix/TRC) to about 1 MB (a printing CMYK LUT); a JPEG may carry
# 16 MB in APP2 segments. Larger ones are ignored, and the caches below keep a few profiles
# (and their bytes, as keys), so one user's uploads pin at most ~32 MB of a process.
_MAX_PROFILE_BYTES = 2 * 1024 * 1024
_CACHED_PROFILES = 8


def source_profile(image: Image.Image) -> bytes | None:
    """The ICC profile an RGB or CMYK image's pixels are in, or None when that is sRGB already.

    An embedded ICC profile wins; a HEIF's `nclx` colour box is used where there is none. A
    profile littleCMS cannot read is ignored, as browsers do, rather than failing the photo.
    """
    embedded = image.info.get("icc_profile")
    if isinstance(embedded, bytes) and embedded:
        if len(embedded) > _MAX_PROFILE_BYTES:
            logger.info("ignoring an embedded ICC profile of %d bytes", len(embedded))
            return None
        parsed = _parse(embedded)
        if parsed is None or _is_srgb(parsed) or parsed.profile.xcolor_space.strip() != _space_of(image.mode):
            return None
        return embedded
    nclx = image.info.get("nclx_profile")
    if isinstance(nclx, dict) and image.mode in ("RGB", "RGBA"):
        space = icc.space_for_nclx(nclx)
        return icc.profile_bytes(space) if space is not None else None
    return None


def to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """The image converted from the profile's space to sRGB (a new image); as is without one."""
    if profile is None or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image  # greyscale (an edit may make one) stays as it is
    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    transform = _transform(profile, image.mode, out_mode)
    if transform is None:
        return image.convert(out_mode) if image.mode == "CMYK" else image
    converted = ImageCms.applyTransform(image, transform)
    assert converted is not None  # applyTransform returns None only with inPlace=True
    return converted


def _space_of(mode: str) -> str:
    return "CMYK" if mode == "CMYK" else "RGB"


@functools.lru_cache(maxsize=_CACHED_PROFILES)
def _parse(profile: bytes) -> ImageCms.ImageCmsProfile | None:
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(profile))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        logger.info("ignoring an embedded ICC profile littleCMS cannot read")
        return None


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    # Every common sRGB profile says so ("sRGB IEC61966-2.1", "sRGB built-in", ...). A profile
    # that claims sRGB and is not only mislabels its own photo.
    description = profile.profile.profile_description or ""
    return "srgb" in description.lower()


@functools.lru_cache(maxsize=_CACHED_PROFILES)
def _transform(profile: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform | None:
    # Building a transform costs about a millisecond; the same phone sends the same profile. A
    # littleCMS transform may be used from several threads at once (it keeps no per-call state).
    parsed = _parse(profile)
    if parsed is None:
        return None
    try:
        return ImageCms.buildTransform(parsed, _SRGB, in_mode, out_mode, renderingIntent=_INTENT)
    except ImageCms.PyCMSError:
        logger.info("ignoring an ICC profile that cannot convert %s to sRGB", in_mode)
        return None
