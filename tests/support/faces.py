"""A small labelled set for face detection, built from photographs inside the scikit-image wheel.

The truth boxes of the two portraits were drawn by hand on the originals (ratios of the image).
Everything else is composed from them: groups of three, a small face in a large scene, and
scenes with no face at all (a cat, coffee, a rocket, a motorcycle, deep space, a page of text).
Matching: a detection counts for a truth box when their intersection over union is at least 0.3.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

Box = tuple[float, float, float, float]  # left, top, width, height as ratios

ASTRONAUT_FACE: Box = (0.336, 0.121, 0.215, 0.227)
CAMERAMAN_FACE: Box = (0.390, 0.234, 0.121, 0.146)
NO_FACE_PHOTOS = ("chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg", "page.png")


def sample(name: str) -> Image.Image:
    """A photograph of scikit-image's data folder, read as a file (skimage is not imported)."""
    spec = importlib.util.find_spec("skimage")
    assert spec and spec.submodule_search_locations, "scikit-image is installed by `make venv`"
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    with Image.open(path) as image:
        return image.convert("RGB")


@dataclass(frozen=True)
class Case:
    name: str
    image: Image.Image
    faces: tuple[Box, ...]


def _placed(face: Box, at: tuple[int, int], scale: float, source: tuple[int, int], canvas: tuple[int, int]) -> Box:
    """A face box of a source pasted at `at`, scaled, as ratios of the canvas."""
    return (
        (at[0] + face[0] * source[0] * scale) / canvas[0],
        (at[1] + face[1] * source[1] * scale) / canvas[1],
        face[2] * source[0] * scale / canvas[0],
        face[3] * source[1] * scale / canvas[1],
    )


def group(count: int = 3) -> Case:
    portrait = sample("astronaut.png")
    canvas = Image.new("RGB", (512 * count, 512), (40, 40, 40))
    faces = []
    for index in range(count):
        canvas.paste(portrait, (512 * index, 0))
        faces.append(_placed(ASTRONAUT_FACE, (512 * index, 0), 1.0, portrait.size, canvas.size))
    return Case(f"group of {count}", canvas, tuple(faces))


def small_face_in_a_scene() -> Case:
    """The portrait at a quarter of its size in the corner of a larger scene."""
    scene = sample("motorcycle_left.png").resize((1482, 1000))
    portrait = sample("astronaut.png").resize((256, 256))
    scene.paste(portrait, (1100, 80))
    return Case("small face in a scene", scene, (_placed(ASTRONAUT_FACE, (1100, 80), 0.5, (512, 512), scene.size),))


def labelled_set() -> list[Case]:
    cases = [
        Case("portrait", sample("astronaut.png"), (ASTRONAUT_FACE,)),
        Case("profile, greyscale", sample("camera.png"), (CAMERAMAN_FACE,)),
        group(),
        small_face_in_a_scene(),
    ]
    cases += [Case(f"no face: {name}", sample(name), ()) for name in NO_FACE_PHOTOS]
    return cases


def iou(a: Box, b: Box) -> float:
    width = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = width * height
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


@dataclass
class Score:
    true_positives: int = 0
    detections: int = 0
    truths: int = 0

    def add(self, truths: tuple[Box, ...], found: list[Box]) -> tuple[int, int]:
        """Adds one image; returns (matched truths, unmatched detections)."""
        unmatched = list(found)
        matched = 0
        for truth in truths:
            best = max(unmatched, key=lambda box: iou(truth, box), default=None)
            if best is not None and iou(truth, best) >= 0.3:
                unmatched.remove(best)
                matched += 1
        self.true_positives += matched
        self.detections += len(found)
        self.truths += len(truths)
        return matched, len(unmatched)

    @property
    def precision(self) -> float:
        return self.true_positives / self.detections if self.detections else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.truths if self.truths else 1.0


def boxes(faces: list[dict[str, dict[str, float]]]) -> list[Box]:
    return [(f["box"]["left"], f["box"]["top"], f["box"]["width"], f["box"]["height"]) for f in faces]
