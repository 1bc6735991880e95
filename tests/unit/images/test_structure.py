"""Header counts that cost memory are read, and bounded, before a decoder builds them."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import engine, structure
from tests.support.images import tiff_claiming


@pytest.mark.parametrize("byte_order", ["<", ">"])
@pytest.mark.parametrize(("tag", "what"), [(273, "strips"), (324, "tiles")])
def test_a_tiff_claiming_millions_of_parts_is_refused_before_pillow_opens_it(
    monkeypatch: pytest.MonkeyPatch, byte_order: str, tag: int, what: str
) -> None:
    data = tiff_claiming(3_000_000, tag, byte_order)

    def not_reached(*args: object, **kwargs: object) -> None:
        raise AssertionError("Pillow was asked to open it (and would build 3 million parts)")

    monkeypatch.setattr(Image, "open", not_reached)

    with pytest.raises(PermanentImageError) as refused:
        engine.open_upload(data, "image/tiff", 100_000_000)

    assert refused.value.code is ErrorCode.DECOMPRESSION_BOMB
    assert f"3000000 {what}" in refused.value.message


def test_an_ordinary_tiff_passes_the_count_and_opens() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "teal").save(buffer, "TIFF", compression="tiff_lzw")

    structure.check(buffer.getvalue(), engine.formats.TIFF)
    opened = engine.open_upload(buffer.getvalue(), "image/tiff", 100_000_000)

    assert (opened.width, opened.height) == (300, 200)


def test_a_count_at_the_bound_is_still_read() -> None:
    structure.check(tiff_claiming(structure.MAX_TIFF_PARTS), engine.formats.TIFF)
