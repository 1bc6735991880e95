"""What a render makes: the variants asked for, each a size, a shape and a format."""

from __future__ import annotations

from dataclasses import dataclass

SRGB_COLOR_SPACE = "srgb"
SOURCE_COLOR_SPACE = "source"  # keep the original's gamut (Display P3, ...) and its profile


@dataclass(frozen=True)
class VariantSpec:
    """One output the worker makes, in the given format: either fitting in max_size x max_size,
    or an exact box (width x height) that the image covers (cropped where focus says) or fits
    within (contain). A box variant's max_size is its longer side, for ordering and decoding."""

    name: str
    max_size: int
    format: str = "jpeg"
    color_space: str = SRGB_COLOR_SPACE
    width: int | None = None
    height: int | None = None
    fit: str = "cover"
    focus: str = "center"
    quality: int | None = None  # the encoder's; None: the format's default (engine.*_QUALITY)
    fast: bool = False  # encode for latency over bytes (a render a viewer waits for)

    @property
    def box(self) -> tuple[int, int] | None:
        return (self.width, self.height) if self.width and self.height else None


DEFAULT_VARIANTS: tuple[VariantSpec, ...] = (
    VariantSpec("thumbnail", 256, "jpeg"),
    VariantSpec("medium", 1024, "jpeg"),
    VariantSpec("large", 2048, "jpeg"),
)


def output_size(variant: VariantSpec, size: tuple[int, int]) -> tuple[int, int]:
    """The size the engine renders this variant at from an image of `size`: fitted within
    max_size, or the box (covered or contained), never upscaled."""
    width, height = size
    if variant.box is None:
        scale = min(1.0, variant.max_size / max(width, height))
        return max(1, round(width * scale)), max(1, round(height * scale))
    box_w, box_h = variant.box
    if variant.fit == "contain":
        scale = min(box_w / width, box_h / height, 1.0)
        return max(1, round(width * scale)), max(1, round(height * scale))
    # cover: the largest window of the box's aspect inside the image, scaled down to the box
    cover = max(box_w / width, box_h / height)
    window = (min(width, box_w / cover), min(height, box_h / cover))
    scale = min(box_w / window[0], 1.0)
    return max(1, round(window[0] * scale)), max(1, round(window[1] * scale))
