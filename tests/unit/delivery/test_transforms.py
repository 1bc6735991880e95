from __future__ import annotations

import pytest

from photopipe.delivery import transforms
from photopipe.delivery.transforms import Transform
from photopipe.errors import ErrorCode, PhotopipeError
from photopipe.images.variants import VariantSpec


def canonical(text: str) -> str:
    return transforms.parse(text, 4096).canonical


def test_equal_transforms_in_any_order_share_one_canonical_form_with_the_defaults_explicit() -> None:
    assert canonical("h_200,w_300") == canonical("w_300,h_200,fit_cover,focus_center,f_auto")
    assert canonical("h_200,w_300") == "w_300,h_200,fit_cover,focus_center,f_auto"
    assert canonical("w_300,fit_contain,focus_faces,f_webp,q_70") == "w_300,f_webp,q_70"
    assert canonical("") == "f_auto"


def test_dpr_multiplies_the_sizes_and_is_folded_into_them() -> None:
    assert canonical("w_100,h_50,dpr_2.5") == canonical("w_250,h_125")


@pytest.mark.parametrize(
    "text",
    [
        "w_5000",
        "w_2049,dpr_2.0",
        "x_1",
        "w_0",
        "w_-1",
        "w_1.5",
        "q_0",
        "q_101",
        "fit_fill",
        "focus_left",
        "f_gif",
        "dpr_5",
        "dpr_1.25",
        "w_10,w_20",
        "w_",
        "w_10,,",
    ],
)
def test_an_unknown_key_a_bad_value_or_a_side_past_the_maximum_is_invalid(text: str) -> None:
    if text == "w_10,,":
        assert canonical(text) == "w_10,f_auto"  # empty parts are nothing
        return
    with pytest.raises(PhotopipeError) as refused:
        transforms.parse(text, 4096)
    assert refused.value.code is ErrorCode.INVALID_TRANSFORM


def test_f_auto_follows_accept_and_keeps_alpha_only_where_the_source_has_it() -> None:
    auto = Transform(format="auto")
    assert transforms.resolve_format(auto, "image/avif,image/webp,*/*", False) == "avif"
    assert transforms.resolve_format(auto, "image/webp,*/*", True) == "webp"
    assert transforms.resolve_format(auto, "*/*", False) == "jpeg"
    assert transforms.resolve_format(auto, "", True) == "png"
    assert transforms.resolve_format(Transform(format="jpeg"), "image/avif", True) == "jpeg"


def test_a_variant_is_named_by_the_transform_that_makes_it() -> None:
    assert transforms.of_variant(VariantSpec("thumbnail", 256, "jpeg")).canonical == "w_256,h_256,fit_contain,f_jpeg"
    box = VariantSpec("square", 400, "webp", width=400, height=300, focus="faces")
    assert transforms.of_variant(box).canonical == "w_400,h_300,fit_cover,focus_faces,f_webp"


def test_sizes_past_the_image_are_clamped_never_upscaled() -> None:
    spec = transforms.render_spec(transforms.parse("w_3000", 4096), (1600, 1200), "jpeg", 4096)
    assert (spec.width, spec.height) == (1600, 1200)
    cover = transforms.render_spec(transforms.parse("w_400,h_400", 4096), (1600, 1200), "jpeg", 4096)
    assert (cover.width, cover.height, cover.fit) == (400, 400, "cover")
    whole = transforms.render_spec(transforms.parse("", 4096), (8000, 4000), "jpeg", 4096)
    assert (whole.width, whole.height) == (4096, 2048)
