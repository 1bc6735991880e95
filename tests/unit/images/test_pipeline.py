"""The render pipeline on its own: bytes in, renditions and analysis out, no job anywhere."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import engine, pipeline, rendering
from photopipe.images.edits import CropEdit
from photopipe.images.rendering import MemoryBudget
from photopipe.images.variants import VariantSpec
from photopipe.providers.local import LocalProvider
from tests.support.images import encode, photo

LIMITS = rendering.RenderLimits(max_image_pixels=50_000_000, max_full_decode_pixels=20_000_000)
MIB = 1024 * 1024


def test_a_photo_renders_its_variants_and_describes_itself() -> None:
    request = rendering.RenderRequest(
        (VariantSpec("small", 300, "webp"), VariantSpec("square", 200, width=200, height=200))
    )

    rendered = pipeline.render(
        photo(1200, 800), "image/jpeg", request, LocalProvider(), MemoryBudget(512 * MIB), LIMITS
    )

    assert [(r.name, r.width, r.height, r.content_type) for r in rendered.renditions] == [
        ("small", 300, 200, "image/webp"),
        ("square", 200, 200, "image/jpeg"),
    ]
    assert rendered.original_pixels == 1200 * 800
    assert rendered.analysis["width"] == 1200 and rendered.analysis["provider"] == "local"
    assert "thumbhash" in rendered.analysis["placeholder"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("mode", "fmt", "content_type", "alpha"), [("RGBA", "PNG", "image/png", True), ("RGB", "JPEG", "image/jpeg", False)]
)
def test_whether_a_photo_has_alpha_is_known_even_without_analysis(
    mode: str, fmt: str, content_type: str, alpha: bool
) -> None:
    data = encode(Image.new(mode, (64, 48)), fmt)
    request = rendering.RenderRequest((VariantSpec("small", 32, "png"),), analysis=False)
    rendered = pipeline.render(data, content_type, request, LocalProvider(), MemoryBudget(512 * MIB), LIMITS)
    assert rendered.analysis["hasAlpha"] is alpha


def test_an_edit_that_moves_the_frame_drops_the_face_boxes_later_crops_would_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class OneFace(LocalProvider):
        def analyse(self, image: Image.Image) -> dict[str, Any]:
            face = {"box": {"left": 0.0, "top": 0.0, "width": 0.2, "height": 0.2}, "confidence": 99.0}
            return {**super().analyse(image), "faces": [face]}

    seen: list[list[dict[str, float]]] = []

    def placed_at_origin(image: Image.Image, edit: CropEdit, faces: list[dict[str, float]]) -> CropEdit:
        seen.append(faces)
        return edit.placed(0, 0)

    monkeypatch.setattr(pipeline, "placed_crop", placed_at_origin)
    chain = (
        {"op": "crop", "width": 400, "height": 400, "focus": "faces"},
        {"op": "rotate", "degrees": 90},
        {"op": "crop", "width": 100, "height": 100, "focus": "faces"},
    )
    request = rendering.RenderRequest((VariantSpec("small", 100),), chain, analysis=True)

    pipeline.render(photo(1200, 800), "image/jpeg", request, OneFace(), MemoryBudget(512 * MIB), LIMITS)

    assert [len(faces) for faces in seen] == [1, 0]


def test_a_render_over_the_decode_limit_is_refused_before_decoding() -> None:
    request = rendering.RenderRequest(
        (VariantSpec("small", 100),), ({"op": "resize", "width": 8000, "height": 8000, "fit": "fill"},)
    )
    limits = rendering.RenderLimits(max_image_pixels=50_000_000, max_full_decode_pixels=10_000_000)

    with pytest.raises(PermanentImageError) as refused:
        pipeline.render(photo(400, 300), "image/jpeg", request, LocalProvider(), MemoryBudget(512 * MIB), limits)

    assert refused.value.code is ErrorCode.PIXEL_LIMIT_EXCEEDED


def test_a_render_estimated_over_what_one_image_may_use_is_refused_however_much_the_budget_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_decoded(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded before the estimate was checked")

    monkeypatch.setattr(pipeline.engine, "decode_opened", not_decoded)
    # A 2000x2000 PNG turned a quarter (about 50 MiB estimated) against a 32 MiB limit, with a
    # budget of 16 GiB: the limit is per photo, not what the process has free.
    request = rendering.RenderRequest((VariantSpec("small", 100),), ({"op": "rotate", "degrees": 90},))
    limits = rendering.RenderLimits(50_000_000, 50_000_000, max_render_bytes=32 * MIB)

    with pytest.raises(PermanentImageError) as refused:
        pipeline.render(photo(2000, 2000, "PNG"), "image/png", request, LocalProvider(), MemoryBudget(2**34), limits)

    assert refused.value.code is ErrorCode.MEMORY_LIMIT_EXCEEDED
    assert "over the 32 MiB one image may use" in refused.value.message


def test_box_variants_past_the_output_limit_are_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    # The case from the tenants review: a tiny PNG, one resize edit to 8000 x 8000 and eight
    # 8000 px AVIF boxes held 2 GiB of buffers before the limit counted outputs.
    def not_decoded(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded before the outputs were counted")

    monkeypatch.setattr(pipeline.engine, "decode_opened", not_decoded)
    boxes = tuple(VariantSpec(f"box{i}", 8000, "avif", width=8000, height=8000) for i in range(8))
    request = rendering.RenderRequest(boxes, ({"op": "resize", "width": 8000, "height": 8000, "fit": "fill"},))
    limits = rendering.RenderLimits(max_image_pixels=100_000_000, max_full_decode_pixels=64_000_000)

    with pytest.raises(PermanentImageError) as refused:
        pipeline.render(photo(64, 64, "PNG"), "image/png", request, LocalProvider(), MemoryBudget(2**34), limits)

    assert refused.value.code is ErrorCode.PIXEL_LIMIT_EXCEEDED
    assert "512000000 pixels" in refused.value.message


def test_a_jpeg_whose_variants_are_all_fitted_is_decoded_by_libvips_only_as_large_as_the_largest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decoded: list[tuple[int, int]] = []
    fitted = pipeline.engine.decode_fitted

    def recording(opened: engine.OpenedImage, longest: int) -> engine.DecodedImage | None:
        result = fitted(opened, longest)
        decoded.append(result.image.size if result else (0, 0))
        return result

    monkeypatch.setattr(pipeline.engine, "decode_fitted", recording)
    request = rendering.RenderRequest((VariantSpec("large", 1024), VariantSpec("small", 200, "webp")))
    data = photo(3000, 2000, orientation=6)  # stored sideways, a red block at its top left

    rendered = pipeline.render(data, "image/jpeg", request, LocalProvider(), MemoryBudget(512 * MIB), LIMITS)

    assert decoded == [(683, 1024)]  # upright, at the largest variant's size, never 3000x2000
    large = Image.open(io.BytesIO(rendered.renditions[0].body))
    assert large.size == (683, 1024) and rendered.renditions[1].width == 133
    assert large.getpixel((660, 20))[0] > 200  # type: ignore[index]  # the red block, turned to the top right
    assert (rendered.analysis["width"], rendered.analysis["height"]) == (2000, 3000)


@pytest.mark.parametrize(
    ("variants", "edits"),
    [
        ((VariantSpec("square", 300, width=300, height=300),), ()),
        ((VariantSpec("kept", 800, color_space="source"),), ()),
        ((VariantSpec("large", 1024),), ({"op": "flip", "direction": "horizontal"},)),
    ],
    ids=["a box variant", "a source-space variant", "an edit"],
)
def test_what_needs_more_than_the_largest_variant_is_decoded_by_pillow(
    monkeypatch: pytest.MonkeyPatch, variants: tuple[VariantSpec, ...], edits: tuple[dict[str, object], ...]
) -> None:
    def not_fitted(*args: object) -> None:
        raise AssertionError("decoded only as large as the largest variant")

    monkeypatch.setattr(pipeline.engine, "decode_fitted", not_fitted)
    request = rendering.RenderRequest(variants, edits)
    rendered = pipeline.render(
        photo(1600, 1200), "image/jpeg", request, LocalProvider(), MemoryBudget(512 * MIB), LIMITS
    )
    assert rendered.renditions


def test_a_truncated_jpeg_fails_with_its_code_on_the_fitted_path_too() -> None:
    request = rendering.RenderRequest((VariantSpec("large", 1024),), analysis=False)
    with pytest.raises(PermanentImageError) as failed:
        pipeline.render(
            photo(1600, 1200)[:4000], "image/jpeg", request, LocalProvider(), MemoryBudget(512 * MIB), LIMITS
        )
    assert failed.value.code is ErrorCode.TRUNCATED_IMAGE
