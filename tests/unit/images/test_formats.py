"""HEIC and AVIF as phones write them, made here with pillow-heif and Pillow (none shipped).

8- and 10-bit, colour as an ICC profile or as an `nclx` box, rotation as `irot`/`imir`,
thumbnails, alpha and extra images beside the primary one.
"""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from photopipe.images import engine, icc
from photopipe.images.variants import VariantSpec
from tests.support import colour
from tests.support.images import encode


def decode(data: bytes, content_type: str) -> engine.DecodedImage:
    return engine.decode(data, content_type, 50_000_000)


def variants(decoded: engine.DecodedImage, *specs: VariantSpec) -> list[Image.Image]:
    return [Image.open(io.BytesIO(r.body)) for r in engine.render_variants(decoded.image, specs, decoded.profile)]


def marked(width: int = 192, height: int = 96) -> Image.Image:
    """The colour patches with a blue block at the top-left corner, to see which way is up."""
    image = colour.patches(colour.CENTRE).resize((width, height))
    image.paste((0, 0, 255), (0, 0, width // 8, height // 8))
    return image


def test_a_ten_bit_nclx_p3_heic_comes_out_in_its_colours() -> None:
    data = colour.ten_bit_heic(colour.patches(colour.CENTRE + colour.EDGES), colour.P3_NCLX)
    opened = Image.open(io.BytesIO(data))
    assert opened.info.get("bit_depth") == 10 and "icc_profile" not in opened.info
    decoded = decode(data, "image/heic")
    assert decoded.profile is not None, "the nclx box names Display P3"
    (out,) = variants(decoded, VariantSpec("v", 192, "png"))
    found = colour.centres(out, len(colour.CENTRE + colour.EDGES))
    assert colour.worst(colour.CENTRE + colour.EDGES, found) <= 3.0, found


def test_an_srgb_nclx_box_means_no_conversion() -> None:
    srgb = dict(colour.P3_NCLX, color_primaries=1)
    buffer = io.BytesIO()
    pillow_heif.from_pillow(colour.patches(colour.CENTRE)).save(buffer, quality=90, nclx_profile=srgb)
    assert decode(buffer.getvalue(), "image/heic").profile is None


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_heic_rotation_is_applied_once(orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(marked(), "HEIF", quality=95, exif=exif.tobytes())
    decoded = decode(data, "image/heic")
    sideways = orientation in (6, 8)
    assert decoded.image.size == ((96, 192) if sideways else (192, 96))
    assert (decoded.original_width, decoded.original_height) == decoded.image.size
    assert decoded.capture.orientation == orientation, "the original orientation is still reported"
    # Where the blue corner went tells the rotation: applied once, not twice or never.
    corner = {3: (-1, -1), 6: (-1, 0), 8: (0, -1)}[orientation]
    x = 4 if corner[0] == 0 else decoded.image.width - 5
    y = 4 if corner[1] == 0 else decoded.image.height - 5
    r, g, b = decoded.image.getpixel((x, y))  # type: ignore[misc]
    assert b > 200 and r < 60 and g < 60, (orientation, (r, g, b))


def test_a_heic_with_thumbnails_alpha_and_a_second_image_decodes_its_primary() -> None:
    primary = marked().convert("RGBA")
    primary.putalpha(200)
    other = Image.new("RGB", (64, 64), (0, 255, 0))
    buffer = io.BytesIO()
    primary.save(buffer, "HEIF", save_all=True, append_images=[other], primary_index=0, thumbnails=[64], quality=90)
    swapped = io.BytesIO()
    other.save(swapped, "HEIF", save_all=True, append_images=[primary], primary_index=1, thumbnails=[64], quality=90)
    for data in (buffer.getvalue(), swapped.getvalue()):
        decoded = decode(data, "image/heic")
        assert decoded.image.size == (192, 96) and decoded.image.mode == "RGBA"
        alpha = decoded.image.getchannel("A").getextrema()
        assert alpha[0] >= 190, alpha


def test_avif_in_with_a_profile_and_a_rotation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    p3 = colour.into(marked(), colour.profile(icc.DISPLAY_P3))
    data = encode(p3, "AVIF", quality=95, exif=exif.tobytes(), icc_profile=colour.profile(icc.DISPLAY_P3))
    decoded = decode(data, "image/avif")
    assert decoded.image.size == (96, 192) and decoded.capture.orientation == 6
    assert decoded.profile == colour.profile(icc.DISPLAY_P3)


def test_avif_out_is_avif() -> None:
    decoded = decode(encode(marked(), "PNG"), "image/png")
    (rendition,) = engine.render_variants(decoded.image, [VariantSpec("v", 128, "avif")])
    assert rendition.content_type == "image/avif" and rendition.body[4:12] == b"ftypavif"
    assert Image.open(io.BytesIO(rendition.body)).size == (128, 64)
