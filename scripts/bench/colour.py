"""Section `colour`: colour error (delta E) of the tests' wide-gamut and CMYK samples."""

from __future__ import annotations

import io
import sys
from typing import Any

from PIL import Image

from devkit.stack import ROOT
from photopipe.images import engine
from photopipe.images.variants import VariantSpec


def colour_section() -> dict[str, Any]:
    """Worst delta E of the tests' own samples, read as sRGB (before) and through the engine."""
    sys.path.insert(0, str(ROOT))  # the samples are the tests' fixtures, made there
    import pyvips

    from tests.support import colour

    def through_engine(data: bytes, content_type: str, count: int) -> list[Any]:
        decoded = engine.decode(data, content_type, 50_000_000, 512)
        (out,) = engine.render_variants(decoded.image, [VariantSpec("v", 512, "png")], decoded.profile)
        return colour.centres(Image.open(io.BytesIO(out.body)), count)

    every = colour.CENTRE + colour.EDGES
    samples = {
        f"{name}_{fmt.lower()}": (colour.wide_photo(space, fmt), f"image/{fmt.lower().replace('heif', 'heic')}", every)
        for name, space in colour.SPACES.items()
        for fmt in ("PNG", "JPEG", "HEIF", "AVIF")
    }
    samples["display-p3_10bit_heic_nclx"] = (
        colour.ten_bit_heic(colour.patches(every), colour.P3_NCLX),
        "image/heic",
        every,
    )
    samples["cmyk_jpeg"] = (colour.cmyk_photo(), "image/jpeg", colour.CENTRE)
    result: dict[str, Any] = {"measure": "worst CIE76 delta E over the patches (1 = just visible)"}
    for name, (data, content_type, expected) in samples.items():
        stored = Image.open(io.BytesIO(data))
        before = colour.worst(expected, colour.centres(stored.convert("RGB"), len(expected)))
        after = colour.worst(expected, through_engine(data, content_type, len(expected)))
        result[name] = f"before {before:.1f}, after {after:.2f}"
    reference = pyvips.Image.new_from_buffer(samples["cmyk_jpeg"][0], "").icc_transform("srgb", intent="relative")
    vips_found = colour.centres(Image.open(io.BytesIO(reference.pngsave_buffer())), len(colour.CENTRE))
    result["cmyk_jpeg_libvips_round_trip"] = f"{colour.worst(colour.CENTRE, vips_found):.2f}"
    return result
