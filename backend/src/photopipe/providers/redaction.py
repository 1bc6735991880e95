"""Faces made unrecognisable: each box the detector finds, grown to cover hairline and chin,
blurred or pixelated at its own scale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageFilter

# BlazeFace's box runs from the brows to the mouth: grown by these shares of its size it covers
# the forehead, hair line, ears and chin.
_GROW_SIDES, _GROW_TOP, _GROW_BOTTOM = 0.25, 0.45, 0.3
_PIXELATE_BLOCKS = 6  # across a grown face box: no feature survives (8 left block edges a detector misread)
_DETECT_SIDE = 768  # faces are found on a copy this size, as the analysis finds them


def redact(image: Image.Image, faces: Sequence[dict[str, Any]], style: str) -> Image.Image:
    """`faces`: boxes as ratios of the image (the detector's answer)."""
    result = image.copy()
    for face in faces:
        box = face["box"]
        left = (box["left"] - box["width"] * _GROW_SIDES) * image.width
        right = (box["left"] + box["width"] * (1 + _GROW_SIDES)) * image.width
        top = (box["top"] - box["height"] * _GROW_TOP) * image.height
        bottom = (box["top"] + box["height"] * (1 + _GROW_BOTTOM)) * image.height
        region = tuple(
            round(v) for v in (max(0.0, left), max(0.0, top), min(image.width, right), min(image.height, bottom))
        )
        width, height = region[2] - region[0], region[3] - region[1]
        if width < 2 or height < 2:
            continue
        patch = result.crop(region)
        if style == "pixelate":
            blocks = (max(1, _PIXELATE_BLOCKS), max(1, round(_PIXELATE_BLOCKS * height / width)))
            patch = patch.resize(blocks, Image.Resampling.BOX).resize((width, height), Image.Resampling.NEAREST)
        else:
            patch = patch.filter(ImageFilter.GaussianBlur(max(width, height) / 5))
        result.paste(patch, region[:2])
    return result


def detection_copy(image: Image.Image) -> Image.Image:
    """The RGB copy the detector reads: at most _DETECT_SIDE a side."""
    copy = image.convert("RGB")
    copy.thumbnail((_DETECT_SIDE, _DETECT_SIDE), Image.Resampling.BILINEAR)
    return copy
