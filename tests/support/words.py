"""Pictures of words for the OCR tests: lines printed with Pillow's built-in font (FreeType's
scalable Aileron) on a photograph from the scikit-image wheel, and a scanned page from it."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from tests.support import faces

SIGN = ("PHOTOPIPE", "Hello 2026")
# The first line of scikit-image's page.png, a photographed page of its documentation.
PAGE_FIRST_LINE = "Region-based segmentation"


def sign(size: tuple[int, int] = (1024, 683)) -> Image.Image:
    """SIGN's lines on a light panel over a photo of coffee, like a shop sign in a snapshot."""
    photo = faces.sample("coffee.png").resize(size)
    draw = ImageDraw.Draw(photo)
    font = ImageFont.load_default(round(size[1] * 0.094))
    left, top = round(size[0] * 0.08), round(size[1] * 0.37)
    draw.rectangle((left - 30, top - 20, round(size[0] * 0.88), round(size[1] * 0.62)), fill=(245, 245, 235))
    for index, line in enumerate(SIGN):
        draw.text((left, top + index * round(size[1] * 0.105)), line, font=font, fill=(20, 20, 20))
    return photo
