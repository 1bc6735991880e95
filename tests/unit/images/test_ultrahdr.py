"""Ultra HDR: a JPEG's gain map is kept in its JPEG variants, scaled with the picture.

The samples are made here by libvips' `uhdrsave` (Google's libultrahdr, the encoder Android
uses), and what the engine writes is judged by libvips' own reader: whether it finds a gain map,
its size, and the gain map metadata it decodes. So neither side of a test is our own code.
"""

from __future__ import annotations

import io

import pytest
import pyvips
from PIL import Image

from photopipe.images import budget, pipeline, rendering, ultrahdr
from photopipe.images.rendering import MemoryBudget
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.providers.local import LocalProvider

LIMITS = rendering.RenderLimits(max_image_pixels=50_000_000, max_full_decode_pixels=20_000_000)
MIB = 1024 * 1024
BOOST_FIELDS = ("gainmap-max-content-boost", "gainmap-min-content-boost", "gainmap-gamma", "gainmap-hdr-capacity-max")


def ultra_hdr_photo(width: int = 1600, height: int = 1200, orientation: int | None = None) -> bytes:
    """An HDR scene (a sky four times brighter than SDR white above a darker field) as libultrahdr
    writes it: an SDR JPEG with a gain map at half the size each way and ISO 21496-1 metadata."""
    field = pyvips.Image.black(width, height, bands=3).new_from_image([0.2, 0.3, 0.1]).cast("float")
    sky = pyvips.Image.black(width, height // 3, bands=3).new_from_image([4.0, 4.0, 4.5]).cast("float")
    scene = field.insert(sky, 0, 0).copy(interpretation="scrgb")
    if orientation is not None:
        scene.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return bytes(scene.uhdrsave_buffer())


def vips_gain_map(data: bytes) -> tuple[tuple[int, int], list[float]] | None:
    """The gain map libvips finds in a JPEG: its size and metadata (BOOST_FIELDS, per channel
    where they are), or None."""
    image = pyvips.Image.new_from_buffer(data, "")
    if "gainmap-data" not in image.get_fields():
        return None
    gain_map = pyvips.Image.new_from_buffer(image.get("gainmap-data"), "")
    values: list[float] = []
    for name in BOOST_FIELDS:
        value = image.get(name)
        values.extend(value if isinstance(value, list) else [value])
    return (gain_map.width, gain_map.height), values


def render(data: bytes, *variants: VariantSpec, edits: tuple[dict[str, object], ...] = ()) -> list[rendering.Rendition]:
    request = rendering.RenderRequest(variants, edits=edits, analysis=False)
    rendered = pipeline.render(data, "image/jpeg", request, LocalProvider(), MemoryBudget(512 * MIB), LIMITS)
    return rendered.renditions


def test_libvips_reads_the_sample_as_ultra_hdr() -> None:
    found = vips_gain_map(ultra_hdr_photo())
    assert found is not None and found[0] == (800, 600)


def test_every_jpeg_variant_keeps_the_gain_map_scaled_with_it_and_its_metadata() -> None:
    source = ultra_hdr_photo()
    original = vips_gain_map(source)
    assert original is not None

    renditions = render(source, *DEFAULT_VARIANTS)

    for rendition in renditions:
        found = vips_gain_map(rendition.body)
        assert found is not None, f"{rendition.name}: libvips finds no gain map"
        size, metadata = found
        # The map keeps its share of the picture: half of it each way, as in the original.
        assert size == (round(rendition.width / 2), round(rendition.height / 2)), rendition.name
        assert metadata == pytest.approx(original[1]), rendition.name
        hdr = pyvips.Image.uhdrload_buffer(rendition.body)
        assert (hdr.width, hdr.height) == (rendition.width, rendition.height)


def test_the_gain_map_is_cut_with_a_box_variant_and_dropped_by_formats_that_cannot_carry_it() -> None:
    square = VariantSpec("square", 300, width=300, height=300)
    webp = VariantSpec("small", 400, "webp")

    box, small = render(ultra_hdr_photo(), square, webp)

    found = vips_gain_map(box.body)
    assert found is not None and found[0] == (150, 150)
    # The sky is brighter than SDR white, the field is not: the map says so where each lies.
    gain_map = Image.open(io.BytesIO(box.body))
    gain_map.seek(1)
    assert gain_map.getpixel((75, 5)) > gain_map.getpixel((75, 140))  # type: ignore[operator]
    assert small.content_type == "image/webp" and b"MPF\x00" not in small.body


def test_the_gain_map_turns_with_the_picture() -> None:
    renditions = render(ultra_hdr_photo(1600, 1200, orientation=6), VariantSpec("medium", 1024))
    (medium,) = renditions
    assert (medium.width, medium.height) == (768, 1024)
    found = vips_gain_map(medium.body)
    assert found is not None and found[0] == (384, 512)
    gain_map = Image.open(io.BytesIO(medium.body))
    gain_map.seek(1)
    # Rotated a quarter turn clockwise, the sky (the original's top) is now on the right.
    assert gain_map.getpixel((380, 256)) > gain_map.getpixel((5, 256))  # type: ignore[operator]


def test_an_edited_render_is_sdr() -> None:
    (edited,) = render(ultra_hdr_photo(), VariantSpec("medium", 1024), edits=({"op": "rotate", "degrees": 90},))
    assert vips_gain_map(edited.body) is None and b"MPF\x00" not in edited.body


def android_style(extra_xmp_fields: str) -> bytes:
    """The sample with hdrgm XMP instead of ISO 21496-1 metadata, as Android 14 writes it, with
    whatever else an XMP packet may hold beside the gain map's fields."""
    source = ultra_hdr_photo()
    picture = Image.open(io.BytesIO(source))
    gain_map = ultrahdr.read(source, picture.size, None, None)
    assert gain_map is not None
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:hdrgm="{ultrahdr.HDRGM}" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        'hdrgm:Version="1.0" hdrgm:GainMapMin="0" hdrgm:GainMapMax="2" hdrgm:Gamma="1" '
        'hdrgm:OffsetSDR="0.015625" hdrgm:OffsetHDR="0.015625" hdrgm:HDRCapacityMin="0" '
        f'hdrgm:HDRCapacityMax="2" hdrgm:BaseRenditionIsHDR="False" {extra_xmp_fields}/></rdf:RDF></x:xmpmeta>'
    ).encode()
    picture.seek(0)
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=90)
    return ultrahdr.with_gain_map(buffer.getvalue(), ultrahdr.GainMap(gain_map.image, hdrgm_fields=xmp))


def test_hdrgm_xmp_is_kept_field_by_field_and_nothing_else_in_the_packet() -> None:
    source = android_style('photoshop:City="Lisbon"')
    original = vips_gain_map(source)
    assert original is not None and original[1][:3] == pytest.approx([4.0] * 3)

    (medium,) = render(source, VariantSpec("medium", 1024))

    found = vips_gain_map(medium.body)
    assert found is not None and found[1] == pytest.approx(original[1])
    assert b"hdrgm:GainMapMax" in medium.body and b"Lisbon" not in medium.body


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) - 300], id="gain map cut short"),
        pytest.param(
            lambda data: data[: data.rfind(b"\xff\xd8\xff")] + b"\0\0" + data[data.rfind(b"\xff\xd8\xff") + 2 :],
            id="gain map not a JPEG",
        ),
        pytest.param(
            lambda data: data.replace(ultrahdr.ISO_21496, b"urn:example:not-a-gain-map:-1\x00"), id="no metadata"
        ),
    ],
)
def test_a_gain_map_that_cannot_be_read_costs_the_hdr_rendition_not_the_photo(damage) -> None:  # type: ignore[no-untyped-def]
    (medium,) = render(damage(ultra_hdr_photo()), VariantSpec("medium", 1024))
    assert (medium.width, medium.height) == (1024, 768)
    assert vips_gain_map(medium.body) is None


def test_a_gain_map_larger_than_a_quarter_of_the_picture_is_not_kept() -> None:
    source = ultra_hdr_photo()
    picture = Image.open(io.BytesIO(source))
    gain_map = ultrahdr.read(source, picture.size, None, None)
    assert gain_map is not None
    picture.seek(0)
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG")
    full_size = ultrahdr.with_gain_map(
        buffer.getvalue(), ultrahdr.GainMap(gain_map.image.resize(picture.size), iso_metadata=gain_map.iso_metadata)
    )
    assert vips_gain_map(full_size) is not None  # a valid Ultra HDR JPEG, just a large map

    (medium,) = render(full_size, VariantSpec("medium", 1024))

    assert vips_gain_map(medium.body) is None


def test_the_memory_estimate_counts_a_gain_map_where_one_may_be_decoded() -> None:
    without = budget.estimate((4000, 3000), "RGB", (), 0)
    with_map = budget.estimate((4000, 3000), "RGB", (), 0, gain_map=True)
    assert with_map.peak_bytes - without.peak_bytes == pytest.approx(2 * 4000 * 3000 * 4 / 4 * budget.MARGIN, abs=1)
