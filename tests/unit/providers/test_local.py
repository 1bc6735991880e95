from __future__ import annotations

from PIL import Image, ImageFilter

from photopipe.images import engine
from photopipe.providers.local import LocalProvider, dominant_colors
from tests.support.images import photo


def test_dominant_colours_are_ranked_by_area() -> None:
    image = Image.new("RGB", (200, 100), (220, 30, 30))  # half red
    image.paste((30, 30, 220), (100, 0, 200, 40))  # a fifth blue
    image.paste((30, 200, 30), (100, 40, 200, 100))  # three tenths green
    assert dominant_colors(image) == ["#dc1e1e", "#1ec81e", "#1e1edc"]


def test_analysis_describes_the_photo() -> None:
    decoded = engine.decode(photo(800, 600), "image/jpeg", 10_000_000, 2048)
    analysis = LocalProvider().analyse(decoded.image)
    blurred = LocalProvider().analyse(decoded.image.filter(ImageFilter.GaussianBlur(6)))
    assert (analysis["width"], analysis["height"]) == (800, 600)
    assert len(analysis["dominantColors"]) >= 1 and len(analysis["perceptualHash"]) == 16
    assert blurred["sharpness"] < analysis["sharpness"]
    assert 0 <= analysis["brightness"] <= 1
