"""Colour management: wide-gamut and CMYK uploads come out as the colours they were.

Each test makes a photo in a wide space from known sRGB colours, runs it through the engine as
the worker does, and measures the colour error of every output against those colours. The
"before" figure (the pixels read as if they were sRGB, which the engine did until now) shows
each test could fail.
"""

from __future__ import annotations

import io

import pillow_heif
import pytest
import pyvips
from PIL import Image, ImageCms

from photopipe.images import colour as engine_colour
from photopipe.images import engine, icc, pipeline, rendering
from photopipe.images.rendering import MemoryBudget
from photopipe.images.variants import VariantSpec
from photopipe.providers.local import LocalProvider
from tests.support import colour
from tests.support.images import encode

ALL = colour.CENTRE + colour.EDGES
# What 8-bit storage and the round trip through a wider space cost, and what lossy codecs add
# on flat patches (JPEG at quality 95 with 4:4:4, as the fixtures are written).
LOSSLESS_DELTA_E = 1.5
LOSSY_DELTA_E = 3.0


def render(data: bytes, content_type: str, *variants: VariantSpec) -> list[tuple[Image.Image, rendering.Rendition]]:
    decoded = engine.decode(data, content_type, 50_000_000, largest_target=max(v.max_size for v in variants))
    out = engine.render_variants(decoded.image, variants, decoded.profile)
    return [(Image.open(io.BytesIO(r.body)), r) for r in out]


@pytest.mark.parametrize("space", colour.SPACES, ids=str)
@pytest.mark.parametrize(
    ("fmt", "content_type", "tolerance"),
    [
        ("PNG", "image/png", LOSSLESS_DELTA_E),
        ("JPEG", "image/jpeg", LOSSY_DELTA_E),
        ("WEBP", "image/webp", LOSSLESS_DELTA_E),
        ("HEIF", "image/heif", LOSSY_DELTA_E),
        ("AVIF", "image/avif", LOSSY_DELTA_E),
    ],
    ids=["png", "jpeg", "webp", "heic", "avif"],
)
def test_a_wide_gamut_photo_comes_out_in_its_colours(space: str, fmt: str, content_type: str, tolerance: float) -> None:
    pillow_heif.register_heif_opener()
    data = colour.wide_photo(colour.SPACES[space], fmt)
    before = colour.centres(Image.open(io.BytesIO(data)), len(ALL))
    outputs = render(data, content_type, VariantSpec("big", 512, "png"), VariantSpec("small", 96, "png"))
    for image, rendition in outputs:
        assert "icc_profile" not in image.info, "an sRGB output carries no profile"
        error = colour.worst(ALL, colour.centres(image, len(ALL)))
        assert error <= tolerance, f"{space} {fmt} -> {rendition.name}: worst delta E {error:.2f}"
    assert colour.worst(ALL, before) > 8, "read as sRGB, the wide-gamut pixels are visibly wrong"


def test_display_p3_matches_libvips_own_profile() -> None:
    """Our P3 profile (also the one an nclx P3 HEIC is read with) against libvips' built-in."""
    ours = ImageCms.ImageCmsProfile(io.BytesIO(colour.profile(icc.DISPLAY_P3)))
    srgb = ImageCms.createProfile("sRGB")
    transform = ImageCms.buildTransform(srgb, ours, "RGB", "RGB", renderingIntent=1)
    for rgb in ALL:
        mine = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), transform).getpixel((0, 0))  # type: ignore[union-attr]
        pixel = pyvips.Image.black(1, 1, bands=3).new_from_image(list(rgb)).cast("uchar").copy(interpretation="srgb")
        theirs = tuple(
            int(v) for v in pixel.icc_transform("p3", input_profile="srgb", intent="relative").getpoint(0, 0)
        )
        assert all(abs(a - b) <= 1 for a, b in zip(mine, theirs, strict=True)), (rgb, mine, theirs)  # type: ignore[arg-type]


# Bruce Lindbloom's RGB-to-XYZ matrices, Bradford-adapted to D50 (www.brucelindbloom.com).
PUBLISHED = {
    "srgb": (
        icc.SRGB,
        ((0.4360747, 0.3850649, 0.1430804), (0.2225045, 0.7168786, 0.0606169), (0.0139322, 0.0971045, 0.7141733)),
    ),
    "adobe-rgb": (
        icc.ADOBE_RGB,
        ((0.6097559, 0.2052401, 0.1492240), (0.3111242, 0.6256560, 0.0632197), (0.0194811, 0.0608902, 0.7448387)),
    ),
    "prophoto": (
        icc.PROPHOTO_RGB,
        ((0.7976749, 0.1351917, 0.0313534), (0.2880402, 0.7118741, 0.0000857), (0.0, 0.0, 0.8252100)),
    ),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_profiles_carry_the_published_colorants(name: str) -> None:
    space, matrix = PUBLISHED[name]
    parsed = ImageCms.ImageCmsProfile(io.BytesIO(icc.profile_bytes(space))).profile
    for column, colorant in enumerate((parsed.red_colorant, parsed.green_colorant, parsed.blue_colorant)):
        xyz = colorant[0]
        assert all(abs(xyz[row] - matrix[row][column]) < 0.0015 for row in range(3)), (name, column, xyz)


def test_out_of_gamut_colours_clip_as_libvips_clips_them() -> None:
    """Display P3's own primaries lie outside sRGB: relative colorimetric clips them."""
    p3_primaries = ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    image = colour.patches(p3_primaries)
    data = encode(image, "PNG", icc_profile=colour.profile(icc.DISPLAY_P3))
    ours = colour.centres(render(data, "image/png", VariantSpec("v", 512, "png"))[0][0], 3)
    reference = pyvips.Image.new_from_buffer(data, "").icc_transform("srgb", intent="relative")
    theirs = colour.centres(Image.open(io.BytesIO(reference.pngsave_buffer())), 3)
    assert colour.worst(theirs, ours) <= 1.5, (ours, theirs)


def test_a_source_variant_keeps_the_gamut_and_embeds_its_profile() -> None:
    data = colour.wide_photo(icc.DISPLAY_P3, "PNG")
    stored = colour.centres(Image.open(io.BytesIO(data)), len(ALL))
    (kept, _), (converted, _) = render(
        data, "image/png", VariantSpec("p3", 400, "png", "source"), VariantSpec("srgb", 200, "png")
    )
    assert kept.info.get("icc_profile") == colour.profile(icc.DISPLAY_P3)
    assert colour.centres(kept, len(ALL)) == stored, "the P3 values themselves, unconverted"
    assert "icc_profile" not in converted.info
    assert colour.worst(ALL, colour.centres(converted, len(ALL))) <= LOSSLESS_DELTA_E


def test_every_output_format_takes_the_profile_of_a_source_variant() -> None:
    data = colour.wide_photo(icc.ADOBE_RGB, "JPEG")
    specs = [VariantSpec(fmt, 128, fmt, "source") for fmt in ("jpeg", "png", "webp", "avif")]
    for image, rendition in render(data, "image/jpeg", *specs):
        assert image.info.get("icc_profile") == colour.profile(icc.ADOBE_RGB), rendition.name


def test_a_cmyk_jpeg_goes_through_its_profile() -> None:
    data = colour.cmyk_photo()
    source = Image.open(io.BytesIO(data))
    assert source.mode == "CMYK" and source.info.get("adobe"), "an Adobe (inverted) CMYK JPEG"
    ((image, _),) = render(data, "image/jpeg", VariantSpec("v", 192, "png"))
    naive = colour.centres(source.convert("RGB"), len(colour.CENTRE))
    ours = colour.centres(image, len(colour.CENTRE))
    # sRGB -> CMYK -> sRGB through a printing profile is not lossless (its grey balance and LUT
    # precision): libvips' own conversion back of the same file is the reference.
    reference = pyvips.Image.new_from_buffer(data, "").icc_transform("srgb", intent="relative")
    theirs = colour.centres(Image.open(io.BytesIO(reference.pngsave_buffer())), len(colour.CENTRE))
    assert colour.worst(theirs, ours) <= LOSSLESS_DELTA_E, (ours, theirs)
    assert colour.worst(colour.CENTRE, naive) > 10, "without the profile CMYK comes out far off"
    assert colour.worst(colour.CENTRE, ours) <= 6, ours


def test_a_cmyk_jpeg_without_a_profile_still_renders() -> None:
    source = Image.open(io.BytesIO(colour.cmyk_photo()))
    data = encode(source, "JPEG", quality=95)  # Pillow drops the profile on save
    ((image, _),) = render(data, "image/jpeg", VariantSpec("v", 96, "jpeg"))
    assert image.mode == "RGB"


def test_an_unreadable_profile_is_ignored_like_browsers_do() -> None:
    data = encode(colour.patches(colour.CENTRE), "PNG", icc_profile=b"not a profile at all" * 10)
    ((image, _),) = render(data, "image/png", VariantSpec("v", 96, "png"))
    assert colour.worst(colour.CENTRE, colour.centres(image, len(colour.CENTRE))) <= LOSSLESS_DELTA_E


def test_an_srgb_profile_is_not_converted() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (8, 8))
    image.info["icc_profile"] = srgb
    assert engine_colour.source_profile(image) is None


def test_a_greyscale_edit_of_a_wide_gamut_photo_is_left_as_it_is() -> None:
    grey = Image.new("L", (8, 8), 100)
    assert engine_colour.to_srgb(grey, colour.profile(icc.DISPLAY_P3)) is grey


def test_transparency_survives_the_conversion() -> None:
    image = Image.new("RGBA", (600, 600), (200, 80, 60, 77))  # tall enough to go in strips
    converted = engine.to_srgb(image, colour.profile(icc.DISPLAY_P3))
    assert converted.mode == "RGBA" and converted.getchannel("A").getextrema() == (77, 77)
    assert converted.getpixel((0, 599))[:3] != (200, 80, 60)  # type: ignore[index]


def test_an_oversized_profile_is_ignored() -> None:
    image = Image.new("RGB", (8, 8))
    image.info["icc_profile"] = colour.profile(icc.DISPLAY_P3) + b"\0" * (3 * 1024 * 1024)
    assert engine_colour.source_profile(image) is None


@pytest.mark.parametrize("space", colour.SPACES, ids=str)
def test_a_wide_gamut_jpeg_decoded_by_libvips_at_its_largest_variant_comes_out_in_its_colours(
    monkeypatch: pytest.MonkeyPatch, space: str
) -> None:
    """The pipeline's fitted path (libvips decodes, resizes and converts in one pass) holds the
    same colour as the engine's."""

    def not_by_pillow(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded by Pillow: the fitted path did not take this photo")

    monkeypatch.setattr(pipeline.engine, "decode_opened", not_by_pillow)
    data = colour.wide_photo(colour.SPACES[space], "JPEG")
    request = rendering.RenderRequest((VariantSpec("big", 512, "png"), VariantSpec("small", 96, "png")), analysis=False)
    limits = rendering.RenderLimits(50_000_000, 50_000_000)
    rendered = pipeline.render(data, "image/jpeg", request, LocalProvider(), MemoryBudget(2**30), limits)
    for rendition in rendered.renditions:
        error = colour.worst(ALL, colour.centres(Image.open(io.BytesIO(rendition.body)), len(ALL)))
        assert error <= LOSSY_DELTA_E, f"{space} -> {rendition.name}: worst delta E {error:.2f}"
