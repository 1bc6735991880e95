"""Edits applied between decoding and rendering variants. Pure Pillow, one function per op."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from photopipe.errors import ErrorCode, PermanentImageError

Edit = Mapping[str, Any]


def _resize(image: Image.Image, spec: Edit) -> Image.Image:
    size = (int(spec["width"]), int(spec["height"]))
    fit = spec.get("fit", "contain")
    if fit == "cover":
        return ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    if fit == "fill":
        return image.resize(size, Image.Resampling.LANCZOS)
    return ImageOps.contain(image, size, Image.Resampling.LANCZOS)


def _crop(image: Image.Image, spec: Edit) -> Image.Image:
    left, top = int(spec["left"]), int(spec["top"])
    box = (left, top, left + int(spec["width"]), top + int(spec["height"]))
    if box[2] > image.width or box[3] > image.height:
        raise PermanentImageError(
            ErrorCode.INVALID_EDIT, f"crop {box} falls outside the {image.width}x{image.height} image."
        )
    return image.crop(box)


def _rotate(image: Image.Image, spec: Edit) -> Image.Image:
    degrees = float(spec["degrees"]) % 360
    lossless = {90.0: Image.Transpose.ROTATE_270, 180.0: Image.Transpose.ROTATE_180, 270.0: Image.Transpose.ROTATE_90}
    if degrees in lossless:  # clockwise in the API, counter-clockwise in Pillow
        return image.transpose(lossless[degrees])
    fill = (255, 255, 255, 0) if image.mode == "RGBA" else "white"
    return image.rotate(-degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def _flip(image: Image.Image, spec: Edit) -> Image.Image:
    return ImageOps.mirror(image) if spec.get("direction", "horizontal") == "horizontal" else ImageOps.flip(image)


def _grayscale(image: Image.Image, spec: Edit) -> Image.Image:
    return image.convert("LA").convert("RGBA") if image.mode == "RGBA" else image.convert("L")


def _autocontrast(image: Image.Image, spec: Edit) -> Image.Image:
    if image.mode == "RGBA":
        rgb = ImageOps.autocontrast(image.convert("RGB"), cutoff=float(spec.get("cutoff", 0)))
        rgb.putalpha(image.getchannel("A"))
        return rgb
    return ImageOps.autocontrast(image, cutoff=float(spec.get("cutoff", 0)))


def _blur(image: Image.Image, spec: Edit) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(float(spec.get("radius", 2))))


def _sharpen(image: Image.Image, spec: Edit) -> Image.Image:
    return image.filter(ImageFilter.UnsharpMask(radius=2, percent=int(spec.get("percent", 150)), threshold=3))


def _watermark(image: Image.Image, spec: Edit) -> Image.Image:
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(12, min(base.size) // 20)
    font = ImageFont.load_default(size=size)
    text = str(spec["text"])
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    margin = size // 2
    x = base.width - (right - left) - margin
    y = base.height - (bottom - top) - margin
    alpha = int(255 * float(spec.get("opacity", 0.6)))
    draw.text((x, y), text, font=font, fill=(255, 255, 255, alpha), stroke_width=1, stroke_fill=(0, 0, 0, alpha))
    result = Image.alpha_composite(base, layer)
    return result if image.mode == "RGBA" else result.convert("RGB")


EDITS: dict[str, Callable[[Image.Image, Edit], Image.Image]] = {
    "resize": _resize,
    "crop": _crop,
    "rotate": _rotate,
    "flip": _flip,
    "grayscale": _grayscale,
    "autocontrast": _autocontrast,
    "blur": _blur,
    "sharpen": _sharpen,
    "watermark": _watermark,
}


def apply_edit(image: Image.Image, spec: Edit) -> Image.Image:
    operation = EDITS.get(str(spec.get("op")))
    if operation is None:
        raise PermanentImageError(ErrorCode.INVALID_EDIT, f"unknown edit {spec.get('op')!r}")
    try:
        return operation(image, spec)
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentImageError(ErrorCode.INVALID_EDIT, f"edit {spec.get('op')!r} is malformed: {exc}") from exc
