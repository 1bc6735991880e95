"""libvips where it measurably wins over Pillow: the Lanczos downscale and the ICC conversion.

Pillow decodes and encodes (the guards, the metadata and every codec are there); an RGB or grey
image's pixels go to libvips for resampling (threaded and vectorised: 12 MP to 2048 px takes
about 14 ms where Pillow's takes 95 on two cores, `make bench`, engine) and for the conversion to
sRGB, and come back; a JPEG with nothing to ask of its full image is decoded by libvips straight
to its largest variant (decode_fitted). Images with alpha stay with Pillow, which the engine
premultiplies a band at a time, and so do images over MAX_PIXELS: the image packed for libvips
is a copy, which the memory estimate counts (images/budget.py) and which a 64 MP image could not
afford.
"""

from __future__ import annotations

import functools
import logging
import os
from types import ModuleType
from typing import Any

from PIL import Image

logger = logging.getLogger(__name__)

# Pillow mode -> bands of the packed 8-bit image libvips gets.
BANDS = {"L": 1, "RGB": 3}
# The largest image resized through libvips: its packed copy is 72 MB at most.
MAX_PIXELS = 24_000_000


@functools.cache
def _pyvips() -> ModuleType | None:
    """pyvips, imported with the first resize (libvips' start-up stays off a function's import);
    None where it is missing, and Pillow does the work."""
    try:
        import pyvips
    except (ImportError, OSError):  # pragma: no cover - the imaging layer and the dev venv ship it
        logger.warning("pyvips is missing: Pillow resizes and converts colour")
        return None
    # No operation cache: nothing a render made outlives it (the budget counts what one holds).
    pyvips.cache_set_max(0)
    module: ModuleType = pyvips
    return module


_started_in_parent = False  # set in a forked child of a process that had started libvips


def _forked() -> None:
    # libvips' threads do not survive a fork: a forked child that used it would hang, so it
    # resizes with Pillow. (The worker's render children are started afresh, not forked.)
    global _started_in_parent
    _started_in_parent = _pyvips.cache_info().currsize > 0


os.register_at_fork(after_in_child=_forked)


def takes(image: Image.Image) -> bool:
    """Whether libvips does this image's resampling and colour."""
    if _started_in_parent or image.mode not in BANDS or image.width * image.height > MAX_PIXELS:
        return False
    return _pyvips() is not None


def _packed(image: Image.Image) -> Any:
    pyvips = _pyvips()
    assert pyvips is not None
    return pyvips.Image.new_from_memory(image.tobytes(), image.width, image.height, BANDS[image.mode], "uchar")


def _unpacked(result: Any, mode: str) -> Image.Image:
    return Image.frombytes(mode, (result.width, result.height), result.write_to_memory())


def _in_srgb(pyvips: Any, image: Any, profile: bytes) -> Any:
    """`image` (in the profile's space) converted to sRGB, relative colorimetric without black
    point compensation, as ImageCms in colour.py does; lazily, in the pass it joins."""
    tagged = image.copy()
    tagged.set_type(pyvips.GValue.blob_type, "icc-profile-data", profile)
    return tagged.icc_transform("srgb", embedded=True, intent="relative")


def resize(image: Image.Image, size: tuple[int, int], profile: bytes | None = None) -> Image.Image | None:
    """Lanczos-3 to exactly `size`, as libvips' `resize` makes it, and, given the ICC profile of
    an RGB image's pixels, converted to sRGB in the same pass (_in_srgb). None if libvips made
    another size or the conversion failed: Pillow does it then. (A profile libvips cannot read is taken as sRGB,
    as colour.py ignores one; the engine passes only profiles colour.py has read.)"""
    pyvips = _pyvips()
    assert pyvips is not None
    packed = _packed(image)
    result = packed.resize(size[0] / image.width, vscale=size[1] / image.height, kernel="lanczos3")
    if (result.width, result.height) != size:
        return None
    if profile is not None:
        result = _in_srgb(pyvips, result, profile)
    try:
        return _unpacked(result, image.mode)
    except pyvips.Error:
        return None


def decode_fitted(data: bytes, shrink: int, longest: int, profile: bytes | None) -> Image.Image | None:
    """A JPEG decoded, turned upright by its EXIF orientation, resized to fit `longest` and,
    given its ICC profile, converted to sRGB, in one streaming pass: libvips decodes on one core
    while it resizes and converts on the other, and the full-size image is never held. `shrink`
    is the DCT scale to decode at (as Pillow's draft mode). None where libvips is missing or the
    bytes are anything but an 8-bit RGB or grey JPEG it reads without a warning: the engine's
    Pillow path decides then, with its codes."""
    pyvips = _pyvips()
    if pyvips is None or _started_in_parent:
        return None
    try:
        image = pyvips.Image.jpegload_buffer(data, shrink=shrink, access="sequential", fail_on="warning")
        if image.format != "uchar" or image.bands not in (1, 3) or image.interpretation not in ("srgb", "b-w"):
            return None
        image = image.autorot()
        scale = min(1.0, longest / max(image.width, image.height))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        if scale < 1.0:
            image = image.resize(size[0] / image.width, vscale=size[1] / image.height, kernel="lanczos3")
        if profile is not None and image.bands == 3:
            image = _in_srgb(pyvips, image, profile)
        if (image.width, image.height) != size:
            return None
        return _unpacked(image, "RGB" if image.bands == 3 else "L")
    except pyvips.Error:
        return None
