from __future__ import annotations

import pytest
from PIL import Image

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images.edits import apply_edit


def sample(width: int = 400, height: int = 200) -> Image.Image:
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 40, 40))  # red marker top-left
    return image


@pytest.mark.parametrize(
    ("spec", "size"),
    [
        ({"op": "resize", "width": 100, "height": 100, "fit": "contain"}, (100, 50)),
        ({"op": "resize", "width": 100, "height": 100, "fit": "cover"}, (100, 100)),
        ({"op": "resize", "width": 100, "height": 100, "fit": "fill"}, (100, 100)),
        ({"op": "crop", "left": 10, "top": 20, "width": 50, "height": 60}, (50, 60)),
        ({"op": "rotate", "degrees": 90}, (200, 400)),
        ({"op": "rotate", "degrees": 180}, (400, 200)),
        ({"op": "flip", "direction": "vertical"}, (400, 200)),
        ({"op": "grayscale"}, (400, 200)),
        ({"op": "autocontrast", "cutoff": 1}, (400, 200)),
        ({"op": "blur", "radius": 3}, (400, 200)),
        ({"op": "sharpen"}, (400, 200)),
        ({"op": "watermark", "text": "photopipe"}, (400, 200)),
    ],
)
def test_each_edit_gives_the_expected_geometry(spec: dict[str, object], size: tuple[int, int]) -> None:
    assert apply_edit(sample(), spec).size == size


def test_rotate_is_clockwise() -> None:
    rotated = apply_edit(sample(), {"op": "rotate", "degrees": 90})
    assert rotated.getpixel((rotated.width - 5, 5)) == (255, 0, 0)  # top-left went to top-right


def test_flip_horizontal_mirrors() -> None:
    flipped = apply_edit(sample(), {"op": "flip", "direction": "horizontal"})
    assert flipped.getpixel((flipped.width - 5, 5)) == (255, 0, 0)


def test_grayscale_and_watermark_change_pixels() -> None:
    assert apply_edit(sample(), {"op": "grayscale"}).mode == "L"
    marked = apply_edit(sample(), {"op": "watermark", "text": "MARK", "opacity": 1})
    assert marked.getpixel((395, 195)) != (0, 0, 255) or marked.tobytes() != sample().tobytes()


@pytest.mark.parametrize(
    "spec",
    [{"op": "explode"}, {"op": "crop", "left": 390, "top": 0, "width": 50, "height": 10}, {"op": "resize"}],
)
def test_bad_edits_are_permanent_failures(spec: dict[str, object]) -> None:
    with pytest.raises(PermanentImageError) as failure:
        apply_edit(sample(), spec)
    assert failure.value.code is ErrorCode.INVALID_EDIT
