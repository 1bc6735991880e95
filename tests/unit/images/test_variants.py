"""The size each variant renders at, as the engine makes it: the budget counts outputs from it."""

from __future__ import annotations

import pytest

from photopipe.images import engine
from photopipe.images.variants import VariantSpec, output_size
from tests.support.images import photo


@pytest.mark.parametrize(
    "variant",
    [
        VariantSpec("fitted", 256),
        VariantSpec("larger", 4000),
        VariantSpec("cover", 300, width=300, height=120),
        VariantSpec("contain", 300, width=300, height=120, fit="contain"),
        VariantSpec("huge-box", 3000, width=3000, height=3000),
    ],
    ids=lambda v: v.name,
)
def test_the_predicted_size_is_the_rendered_one(variant: VariantSpec) -> None:
    decoded = engine.decode(photo(1200, 800), "image/jpeg", 50_000_000)

    (rendered,) = engine.render_variants(decoded.image, [variant])

    assert output_size(variant, (1200, 800)) == (rendered.width, rendered.height)
