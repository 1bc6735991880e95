from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import colour, engine, icc, vips
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from tests.support.images import encode, photo, png_header_only

LIMIT = 50_000_000


def decode(data: bytes, content_type: str | None = None, limit: int = LIMIT) -> engine.DecodedImage:
    return engine.decode(data, content_type, limit, largest_target=2048)


@pytest.mark.parametrize(
    ("data", "declared", "code"),
    [
        (b"", None, ErrorCode.EMPTY_FILE),
        (b"hello, this is text and not a photo", None, ErrorCode.NOT_AN_IMAGE),
        (photo(fmt="PNG"), "image/jpeg", ErrorCode.CONTENT_TYPE_MISMATCH),
        (photo()[:2000], "image/jpeg", ErrorCode.TRUNCATED_IMAGE),
        (png_header_only(20_000, 20_000), "image/png", ErrorCode.DECOMPRESSION_BOMB),
        (png_header_only(8_000, 8_000), "image/png", ErrorCode.PIXEL_LIMIT_EXCEEDED),
        (b"\x00\x00\x00\x18ftypavif" + b"\x00" * 64, None, ErrorCode.NOT_AN_IMAGE),
        (b"\xff\x0a\xfa\x7f" + b"\x00" * 64, None, ErrorCode.UNSUPPORTED_IMAGE_FORMAT),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n" + b"\x00" * 64, None, ErrorCode.UNSUPPORTED_IMAGE_FORMAT),
    ],
    ids=["empty", "text", "mismatch", "truncated", "bomb", "pixels", "avif-junk", "jxl", "jxl-container"],
)
def test_bad_uploads_fail_with_their_code(data: bytes, declared: str | None, code: ErrorCode) -> None:
    with pytest.raises(PermanentImageError) as failure:
        decode(data, declared)
    assert failure.value.code is code
    assert failure.value.message


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(orientation: int) -> None:
    decoded = decode(photo(400, 200, orientation=orientation), "image/jpeg")
    transposed = orientation in (5, 6, 7, 8)
    assert decoded.image.size == ((200, 400) if transposed else (400, 200))
    # The red block sits in the corner EXIF says is top-left after rotation.
    red_corners = [c for c in _corners(decoded.image) if _is_red(decoded.image.getpixel(c))]
    assert len(red_corners) == 1


def _corners(image: Image.Image) -> list[tuple[int, int]]:
    w, h = image.size
    return [(5, 5), (w - 6, 5), (5, h - 6), (w - 6, h - 6)]


def _is_red(pixel: object) -> bool:
    assert isinstance(pixel, tuple)
    return pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


@pytest.mark.parametrize(
    ("image", "fmt"),
    [
        (Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG"),
        (Image.new("I;16", (300, 200), 40000), "PNG"),
        (Image.new("LA", (300, 200), (128, 100)), "PNG"),
        (Image.new("P", (300, 200), 3), "GIF"),
        (Image.new("1", (300, 200), 1), "PNG"),
        (Image.new("RGB", (1, 1), (1, 2, 3)), "PNG"),
        (Image.new("RGB", (10_000, 100), (9, 9, 9)), "PNG"),
    ],
    ids=["cmyk", "16bit", "la", "palette", "bilevel", "1x1", "strip"],
)
def test_unusual_images_render_every_variant(image: Image.Image, fmt: str) -> None:
    decoded = decode(encode(image, fmt))
    renditions = engine.render_variants(decoded.image, DEFAULT_VARIANTS)
    assert [r.name for r in renditions] == ["thumbnail", "medium", "large"]
    for rendition, spec in zip(renditions, DEFAULT_VARIANTS, strict=True):
        assert max(rendition.width, rendition.height) <= spec.max_size
        out = Image.open(io.BytesIO(rendition.body))
        assert out.format == "JPEG" and out.size == (rendition.width, rendition.height)


def test_palette_with_transparency_keeps_alpha_in_png_output() -> None:
    image = Image.new("P", (64, 64), 0)
    image.info["transparency"] = 0
    decoded = decode(encode(image, "PNG", transparency=0))
    assert decoded.image.mode == "RGBA"
    (png,) = engine.render_variants(decoded.image, [VariantSpec("t", 32, "png")])
    assert Image.open(io.BytesIO(png.body)).mode == "RGBA"


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("P", (50, 50), i) for i in (1, 2, 3)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    decoded = decode(data, "image/gif")
    assert decoded.image.size == (50, 50)


def test_outputs_carry_no_metadata() -> None:
    decoded = decode(photo(900, 600, orientation=6, gps=True), "image/jpeg")
    for rendition in engine.render_variants(decoded.image, DEFAULT_VARIANTS):
        out = Image.open(io.BytesIO(rendition.body))
        assert not out.getexif()
        assert "exif" not in out.info and "icc_profile" not in out.info


def test_variants_never_upscale_and_keep_aspect_ratio() -> None:
    decoded = decode(photo(300, 150))
    sizes = {r.name: (r.width, r.height) for r in engine.render_variants(decoded.image, DEFAULT_VARIANTS)}
    assert sizes == {"thumbnail": (256, 128), "medium": (300, 150), "large": (300, 150)}


def test_jpeg_draft_mode_still_covers_the_largest_variant() -> None:
    decoded = engine.decode(photo(4000, 3000), "image/jpeg", LIMIT, largest_target=256)
    assert min(decoded.image.size) >= 256
    assert decoded.image.size[0] < 4000  # decoded at a reduced DCT scale


@pytest.mark.parametrize(
    ("size", "orientation", "shortest", "decoded"),
    [
        ((4000, 3000), None, 0, (500, 375)),  # the longer side covers a 400 px maxSize variant at 1/8
        ((4001, 3001), None, 0, (501, 376)),  # sides that 8 does not divide
        ((3000, 4000), 6, 0, (500, 375)),  # stored sideways: still the longer side that counts
        ((4000, 3000), None, 400, (1000, 750)),  # a 400x400 box needs the shorter side too: 1/4
    ],
)
def test_draft_mode_decodes_as_small_as_the_variants_allow(
    size: tuple[int, int], orientation: int | None, shortest: int, decoded: tuple[int, int]
) -> None:
    data = photo(*size, orientation=orientation)
    opened = engine.open_upload(data, "image/jpeg", LIMIT)
    assert sorted(engine.decoded_size(opened, 400, shortest)) == sorted(decoded)  # what the budget counts
    result = engine.decode(data, "image/jpeg", LIMIT, 400, shortest)
    assert sorted(result.image.size) == sorted(decoded)
    (variant,) = engine.render_variants(result.image, (VariantSpec("small", 400),))
    assert max(variant.width, variant.height) == 400


def test_heic_input_is_decoded() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    image = Image.new("RGB", (320, 240), (10, 200, 30))
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, format="HEIF")
    decoded = decode(buffer.getvalue(), "image/heic")
    assert decoded.source_format.content_type == "image/heif"
    assert decoded.image.size == (320, 240)


@pytest.mark.parametrize("fmt", ["png", "webp", "jpeg"])
def test_requested_output_formats(fmt: str) -> None:
    decoded = decode(photo(500, 400))
    (rendition,) = engine.render_variants(decoded.image, [VariantSpec("x", 100, fmt)])
    assert Image.open(io.BytesIO(rendition.body)).format == fmt.upper()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # the case under test
def test_the_engine_still_resizes_in_a_forked_child() -> None:
    import multiprocessing

    image = Image.new("RGB", (3000, 2000), (1, 2, 3))
    engine.downscale(image, (1500, 1000))  # the pool's threads now exist in this process
    fork = multiprocessing.get_context("fork")
    with fork.Pool(1) as pool:
        size = pool.apply_async(_resize_in_child).get(timeout=30)
    assert size == (1500, 1000)


def _resize_in_child() -> tuple[int, int]:
    return engine.downscale(Image.new("RGB", (3000, 2000)), (1500, 1000)).size


@pytest.mark.parametrize("size", [(1000, 700), (150, 105)], ids=["lanczos bands", "reduce bands"])
def test_an_image_with_alpha_is_premultiplied_a_band_at_a_time_and_resized_as_pillow_would(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    # Half-transparent stripes over a gradient: colours from transparent pixels must not bleed.
    grey = Image.linear_gradient("L").resize((3000, 2100))
    alpha = Image.new("L", (3000, 2100), 255)
    for x in range(0, 3000, 40):
        alpha.paste(0, (x, 0, x + 20, 2100))
    image = Image.merge("RGBA", (grey, grey.transpose(Image.Transpose.ROTATE_180), grey, alpha))
    expected = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    premultiplied: list[int] = []
    convert = Image.Image.convert

    def counting(self: Image.Image, mode: str | None = None, *args: object, **kwargs: object) -> Image.Image:
        if mode == "RGBa":
            premultiplied.append(self.height)
        return convert(self, mode, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Image.Image, "convert", counting)
    result = engine.downscale(image, size)
    monkeypatch.undo()

    # Never the whole image at once (Pillow's resize() premultiplies all of it, once per strip).
    assert premultiplied and max(premultiplied) < 2100 // 4, premultiplied
    first, second = (im.convert("RGBa").tobytes() for im in (result, expected))
    worst = max(abs(a - b) for a, b in zip(first, second, strict=True))
    assert result.mode == "RGBA" and worst <= 3  # premultiplied once here, twice by Pillow: rounding only


def _gradient(mode: str, size: tuple[int, int]) -> Image.Image:
    grey = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return grey
    return Image.merge(
        "RGB", (grey, grey.transpose(Image.Transpose.ROTATE_180), grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_an_rgb_or_grey_image_is_resized_by_libvips_to_the_exact_size_pillow_would_make(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    image = _gradient(mode, (3000, 2001))
    called: list[tuple[int, int]] = []
    resize = vips.resize
    monkeypatch.setattr(vips, "resize", lambda im, size: called.append(size) or resize(im, size))

    result = engine.downscale(image, (1024, 683))

    assert called == [(1024, 683)] and result.size == (1024, 683) and result.mode == mode
    expected = image.resize((1024, 683), Image.Resampling.LANCZOS)
    difference = ImageChops.difference(result, expected)
    assert max(band[1] for band in _extrema(difference)) <= 8  # both Lanczos-3, edges rounded apart
    assert sum(ImageStat.Stat(difference).mean) / len(mode) < 0.5


def _extrema(image: Image.Image) -> list[tuple[int, int]]:
    found = image.getextrema()
    return [found] if image.mode == "L" else list(found)  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("mode", "size"), [("RGBA", (1200, 800)), ("RGB", (6000, 4001))], ids=["alpha", "over MAX_PIXELS"]
)
def test_images_with_alpha_or_over_the_limit_are_resized_by_pillow(
    monkeypatch: pytest.MonkeyPatch, mode: str, size: tuple[int, int]
) -> None:
    monkeypatch.setattr(vips, "MAX_PIXELS", 20_000_000)

    def refused(image: Image.Image, size: tuple[int, int]) -> None:
        raise AssertionError("resized by libvips")

    monkeypatch.setattr(vips, "resize", refused)
    image = _gradient("RGB", size).convert(mode)
    assert engine.downscale(image, (600, 400)).size == (600, 400)


def test_libvips_resizes_and_converts_to_srgb_in_one_pass_as_pillow_and_imagecms_do() -> None:
    p3 = icc.profile_bytes(icc.DISPLAY_P3)
    image = _gradient("RGB", (1800, 1200))
    by_vips = vips.resize(image, (600, 400), p3)
    assert by_vips is not None
    by_pillow = colour.to_srgb(image.resize((600, 400), Image.Resampling.LANCZOS), p3)
    difference = ImageChops.difference(by_vips, by_pillow)
    assert max(high for _, high in _extrema(difference)) <= 8  # Lanczos-3 and littleCMS both
    assert sum(ImageStat.Stat(difference).mean) / 3 < 0.5
    unreadable = vips.resize(image, (600, 400), b"not a profile")  # ignored, as colour.py and browsers do
    assert unreadable is not None
    assert ImageChops.difference(unreadable, vips.resize(image, (600, 400))).getbbox() is None


def test_large_jpeg_variants_are_progressive_and_small_ones_baseline() -> None:
    decoded = decode(photo(3000, 2000), "image/jpeg")
    large, small = engine.render_variants(decoded.image, [VariantSpec("large", 2048), VariantSpec("small", 256)])
    assert Image.open(io.BytesIO(large.body)).info.get("progressive") == 1
    assert not Image.open(io.BytesIO(small.body)).info.get("progressive")


def test_a_small_image_saved_as_several_formats_at_once_keeps_each_format() -> None:
    # Every variant is larger than the image, so each one saves the same image object, and
    # the encodes run on the pool: each must still come out in its own format and settings.
    decoded = decode(encode(Image.new("RGB", (40, 30), (200, 30, 90)), "PNG"))
    specs = [
        VariantSpec(f"{fmt}{size}", size, fmt)
        for size in (512, 256, 128)
        for fmt in ("jpeg", "webp", "png", "jpeg", "png", "webp")
    ]
    alone = Image.open(io.BytesIO(engine.encode(decoded.image, "jpeg")[0])).quantization  # type: ignore[attr-defined]
    for _ in range(20):
        renditions = engine.render_variants(decoded.image, specs)
        outputs = [Image.open(io.BytesIO(r.body)) for r in renditions]
        assert [out.format for out in outputs] == [s.format.upper() for s in specs]
        # Image.save() keeps its settings on the object while it runs: saves racing on one
        # object mix them up (a JPEG saved at WebP's quality) and can leave them behind.
        assert all(out.quantization == alone for out in outputs if out.format == "JPEG")  # type: ignore[attr-defined]
        assert not getattr(decoded.image, "encoderinfo", None)
        assert {(r.width, r.height) for r in renditions} == {(40, 30)}


def test_box_variants_are_rendered_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    render_box = engine._render_box

    def one_at_a_time(*args: Any) -> Any:
        assert all(future.done() for future in started), "a box began while another was still encoding"
        started.append(render_box(*args))
        return started[-1]

    monkeypatch.setattr(engine, "_render_box", one_at_a_time)
    boxes = [VariantSpec(f"b{i}", 200, "webp", width=200, height=200) for i in range(4)]

    renditions = engine.render_variants(engine.decode(photo(800, 600), "image/jpeg", 50_000_000).image, boxes)

    assert [r.name for r in renditions] == ["b0", "b1", "b2", "b3"] and len(started) == 4


def test_an_animation_decodes_its_first_frame_without_counting_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import GifImagePlugin

    frames = [Image.new("P", (8, 8), (i % 2) * 200) for i in range(50)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], optimize=False, disposal=2)

    first = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").getpixel((0, 0))

    def counted(self: Any) -> int:
        raise AssertionError("every frame was walked to count them")

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "n_frames", property(counted))

    decoded = engine.decode(buffer.getvalue(), "image/gif", 50_000_000)

    assert decoded.image.size == (8, 8) and decoded.image.convert("RGB").getpixel((0, 0)) == first
