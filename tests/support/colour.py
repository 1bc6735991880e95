"""Test photos in wide gamuts (also 10-bit HEIC and CMYK JPEG), and their colour error.

A photo is a grid of solid patches: each patch's sRGB colour is converted into the photo's
space (Display P3, Adobe RGB, ProPhoto, CMYK) and the space's profile embedded, as a camera
or an editor would. What the engine gives back is compared, patch by patch, with the sRGB
colour we started from, as CIE76 delta E in Lab (1.0 is about the smallest visible step).
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Sequence

import pillow_heif
import pyvips
from PIL import Image, ImageCms

from photopipe.images import icc

pillow_heif.register_heif_opener()
RGB = tuple[int, int, int]
PATCH = 48  # big enough that a JPEG's 8x8 blocks and the downscale leave each centre flat

# Centre of the gamut: greys, skin, sky, the (200, 80, 60). Edges: sRGB's primaries
# and secondaries, saturated but still inside every wide space.
CENTRE: tuple[RGB, ...] = ((128, 128, 128), (200, 80, 60), (224, 172, 140), (90, 140, 200), (40, 40, 40))
EDGES: tuple[RGB, ...] = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255))
SPACES = {"display-p3": icc.DISPLAY_P3, "adobe-rgb": icc.ADOBE_RGB, "prophoto": icc.PROPHOTO_RGB}

_SRGB = ImageCms.createProfile("sRGB")
_LAB = ImageCms.createProfile("LAB", 6500)
_TO_LAB = ImageCms.buildTransform(_SRGB, _LAB, "RGB", "LAB")


def profile(space: icc.RgbSpace) -> bytes:
    return icc.profile_bytes(space)


def patches(colours: Sequence[RGB], columns: int = 4) -> Image.Image:
    rows = math.ceil(len(colours) / columns)
    image = Image.new("RGB", (columns * PATCH, rows * PATCH), (255, 255, 255))
    for index, colour in enumerate(colours):
        left, top = (index % columns) * PATCH, (index // columns) * PATCH
        image.paste(colour, (left, top, left + PATCH, top + PATCH))
    return image


def centres(image: Image.Image, count: int, columns: int = 4) -> list[RGB]:
    """The colour at each patch's centre, wherever the image was scaled to."""
    scale = image.width / (columns * PATCH)
    rgb = image.convert("RGB")
    found = []
    for index in range(count):
        x = ((index % columns) + 0.5) * PATCH * scale
        y = ((index // columns) + 0.5) * PATCH * scale
        pixel = rgb.getpixel((int(x), int(y)))
        assert isinstance(pixel, tuple)
        found.append((int(pixel[0]), int(pixel[1]), int(pixel[2])))
    return found


def into(image: Image.Image, target: bytes, mode: str = "RGB") -> Image.Image:
    """sRGB pixels converted into the space of the target profile (what a camera would store)."""
    transform = ImageCms.buildTransform(
        _SRGB, ImageCms.ImageCmsProfile(io.BytesIO(target)), "RGB", mode, renderingIntent=1
    )
    converted = ImageCms.applyTransform(image, transform)
    assert converted is not None
    return converted


def delta_e(first: RGB, second: RGB) -> float:
    """CIE76 between two sRGB colours."""
    pair = Image.new("RGB", (2, 1))
    pair.putpixel((0, 0), first)
    pair.putpixel((1, 0), second)
    lab = ImageCms.applyTransform(pair, _TO_LAB)
    assert lab is not None
    (l1, a1, b1), (l2, a2, b2) = (lab.getpixel((i, 0)) for i in (0, 1))  # type: ignore[misc]
    # littleCMS' 8-bit Lab: L scaled to 0..255, a and b offset by 128.
    return math.dist((l1 * 100 / 255, a1, b1), (l2 * 100 / 255, a2, b2))


def worst(expected: Sequence[RGB], found: Sequence[RGB]) -> float:
    return max(delta_e(a, b) for a, b in zip(expected, found, strict=True))


P3_NCLX = {"color_primaries": 12, "transfer_characteristics": 13, "matrix_coefficients": 6, "full_range_flag": 1}


def wide_photo(space: icc.RgbSpace, fmt: str, colours: tuple[RGB, ...] = CENTRE + EDGES) -> bytes:
    target = profile(space)
    image = into(patches(colours), target)
    params: dict[str, object] = {"icc_profile": target}
    if fmt == "JPEG":
        params |= {"quality": 95, "subsampling": 0}
    elif fmt in ("WEBP", "AVIF", "HEIF"):
        params |= {"quality": 95} if fmt != "WEBP" else {"lossless": True}
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def cmyk_photo() -> bytes:
    """A CMYK JPEG through libvips' CMYK profile, as libvips and Photoshop write them."""
    srgb = pyvips.Image.new_from_buffer(_png(patches(CENTRE)), "")
    cmyk = srgb.icc_transform("cmyk", input_profile="srgb", intent="relative")
    return bytes(cmyk.jpegsave_buffer(Q=95, subsample_mode="off"))


def ten_bit_heic(image: Image.Image, nclx: dict[str, int]) -> bytes:
    """A 10-bit HEIC of the image's P3 encoding, with colour only in an nclx box (no ICC)."""
    p3 = into(image, profile(icc.DISPLAY_P3))
    samples = [value * 257 for value in p3.tobytes()]
    heif = pillow_heif.from_bytes(mode="RGB;16", size=p3.size, data=struct.pack(f"<{len(samples)}H", *samples))
    buffer = io.BytesIO()
    heif.save(buffer, quality=95, nclx_profile=nclx, chroma=444)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
