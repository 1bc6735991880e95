"""The transform a delivery URL asks for, in the canonical form renders are cached under.

`w_400,h_300,fit_cover,focus_faces,f_webp,q_70,dpr_2.0` in any order; the canonical form names
the pixel sizes (dpr folded in), the defaults made explicit, in one fixed order, so equal asks
share one cached render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.images.variants import SRGB_COLOR_SPACE, VariantSpec, output_size

FITS = ("cover", "contain")
FOCI = ("center", "faces", "attention")
FORMATS = ("jpeg", "png", "webp", "avif", "auto")
_KEY = re.compile(r"^(w|h|fit|focus|f|q|dpr)_(.+)$")
_PIXELS = re.compile(r"^[1-9][0-9]{0,5}$")
_DPR = re.compile(r"^[1-4](\.[0-9])?$")
ALPHA_FORMATS = frozenset({"png", "webp", "avif"})


@dataclass(frozen=True)
class Transform:
    width: int | None = None
    height: int | None = None
    fit: str = "cover"
    focus: str = "center"
    format: str = "auto"
    quality: int | None = None

    @property
    def canonical(self) -> str:
        parts = [f"w_{self.width}" if self.width else "", f"h_{self.height}" if self.height else ""]
        if self.width and self.height:
            parts.append(f"fit_{self.fit}")
            if self.fit == "cover":
                parts.append(f"focus_{self.focus}")
        parts += [f"f_{self.format}", f"q_{self.quality}" if self.quality else ""]
        return ",".join(p for p in parts if p)


def parse(text: str, max_side: int) -> Transform:
    """The transform a URL's last segment names ('' asks for the image as it is); 400
    INVALID_TRANSFORM for an unknown key, a bad value, a repeated key or a side past max_side."""
    values: dict[str, str] = {}
    for part in filter(None, text.split(",")):
        match = _KEY.match(part)
        if not match:
            raise _invalid(f"{part!r} is not a transform (w_, h_, fit_, focus_, f_, q_, dpr_).")
        key, value = match.groups()
        if key in values:
            raise _invalid(f"{key}_ is given twice.")
        values[key] = value
    dpr = _choice_dpr(values.get("dpr", "1"))
    width, height = (_pixels(values, key, dpr, max_side) for key in ("w", "h"))
    quality = values.get("q")
    if quality is not None and not (quality.isdigit() and 1 <= int(quality) <= 100):
        raise _invalid(f"q_{quality}: quality is 1-100.")
    return Transform(
        width=width,
        height=height,
        fit=_choice(values, "fit", FITS),
        focus=_choice(values, "focus", FOCI),
        format=_choice(values, "f", FORMATS, default="auto"),
        quality=int(quality) if quality else None,
    )


def _pixels(values: dict[str, str], key: str, dpr: float, max_side: int) -> int | None:
    raw = values.get(key)
    if raw is None:
        return None
    if not _PIXELS.match(raw):
        raise _invalid(f"{key}_{raw}: a size is a whole number of pixels.")
    pixels = round(int(raw) * dpr)
    if pixels > max_side:
        raise _invalid(f"{key}_{raw} at dpr {dpr} is {pixels} px; the most a side may be is {max_side}.")
    return pixels


def _choice_dpr(raw: str) -> float:
    if not _DPR.match(raw) or not 1.0 <= float(raw) <= 4.0:
        raise _invalid(f"dpr_{raw}: dpr is 1.0-4.0 with one decimal.")
    return float(raw)


def _choice(values: dict[str, str], key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = values.get(key, default or allowed[0])
    if value not in allowed:
        raise _invalid(f"{key}_{value}: {key} is one of {', '.join(allowed)}.")
    return value


def _invalid(message: str) -> PhotopipeError:
    return PhotopipeError(ErrorCode.INVALID_TRANSFORM, message)


def of_variant(spec: VariantSpec) -> Transform:
    """The transform that names a stored variant: its URL serves the stored bytes."""
    if spec.box:
        return Transform(spec.box[0], spec.box[1], spec.fit, spec.focus, spec.format)
    return Transform(spec.max_size, spec.max_size, "contain", "center", spec.format)


def resolve_format(transform: Transform, accept: str, has_alpha: bool) -> str:
    """f_auto: AVIF when the client takes it, else WebP, else JPEG (PNG for an image with alpha)."""
    if transform.format != "auto":
        return transform.format
    accepted = accept.lower()
    if "image/avif" in accepted:
        return "avif"
    if "image/webp" in accepted:
        return "webp"
    return "png" if has_alpha else "jpeg"


def accept_class(accept: str) -> str:
    """What f_auto can become for this Accept header: the part of a cache key it decides."""
    accepted = accept.lower()
    return "avif" if "image/avif" in accepted else "webp" if "image/webp" in accepted else "other"


def render_spec(transform: Transform, size: tuple[int, int], output_format: str, max_side: int) -> VariantSpec:
    """The exact variant a transform makes of an image of `size`: a box of the output's own size,
    never larger than the image (nor than max_side when no size is asked)."""
    width, height = size
    if transform.width and transform.height:
        box = VariantSpec(
            "render",
            max(transform.width, transform.height),
            width=transform.width,
            height=transform.height,
            fit=transform.fit,
            focus=transform.focus,
        )
        out = output_size(box, size)
        fit, focus = transform.fit, transform.focus
    else:
        scale = min(
            1.0,
            transform.width / width if transform.width else 1.0,
            transform.height / height if transform.height else 1.0,
            max_side / max(width, height) if not (transform.width or transform.height) else 1.0,
        )
        out = (max(1, round(width * scale)), max(1, round(height * scale)))
        fit, focus = "contain", "center"
    return VariantSpec(
        "render", max(out), output_format, SRGB_COLOR_SPACE, out[0], out[1], fit, focus, transform.quality, fast=True
    )
