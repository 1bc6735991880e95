"""A labelled set for subject masks whose truth does not come from a model: photographs from the
scikit-image wheel cut to a known shape (an ellipse, a polygon) and pasted onto other photographs.
The shape, where it was pasted, is the mask."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from tests.support.faces import sample

SUBJECTS = ("astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg")
BACKDROPS = ("page.png", "hubble_deep_field.jpg", "grass.png")
CANVAS = (640, 480)
PLACE = (160, 80)
SIDE = 320


@dataclass(frozen=True)
class Case:
    name: str
    image: Image.Image
    truth: Image.Image  # L: 255 on the subject


def _shape(index: int) -> Image.Image:
    shape = Image.new("L", (SIDE, SIDE), 0)
    draw = ImageDraw.Draw(shape)
    if index % 2:
        draw.polygon([(160, 8), (310, 120), (270, 312), (50, 312), (10, 120)], fill=255)  # a pentagon
    else:
        draw.ellipse((20, 10, 300, 310), fill=255)
    return shape


def labelled_set() -> list[Case]:
    cases = []
    for index, (subject, backdrop) in enumerate((s, b) for s in SUBJECTS for b in BACKDROPS):
        canvas = sample(backdrop).resize(CANVAS)
        shape = _shape(index)
        canvas.paste(sample(subject).resize((SIDE, SIDE)), PLACE, shape)
        truth = Image.new("L", CANVAS, 0)
        truth.paste(shape, PLACE)
        cases.append(Case(f"{subject} on {backdrop}", canvas, truth))
    return cases


def iou(mask: Image.Image, truth: Image.Image) -> float:
    """Intersection over union of two masks, each thresholded at half."""
    import numpy as np

    a, b = np.asarray(mask) > 127, np.asarray(truth) > 127
    return float((a & b).sum() / max((a | b).sum(), 1))
