"""Exact-box variants and crops placed on faces or on what draws the eye."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from photopipe.config import settings_from
from photopipe.images import crop, engine, icc
from photopipe.images.variants import VariantSpec
from photopipe.jobs.model import Operations, original_key
from photopipe.jobs.processing import ProcessingService
from photopipe.jobs.service import JobService
from photopipe.jobs.work import Outcome, UploadedObject
from photopipe.providers.local import LocalProvider
from tests.support import colour
from tests.support.fakes import InMemoryJobs, InMemoryStore, RecordingPublisher
from tests.support.images import encode

WIDE = (1600, 600)


def scene(marks: list[tuple[int, int, int]], size: tuple[int, int] = WIDE) -> Image.Image:
    """A flat grey frame with busy, saturated discs (x, y, radius): the only things to look at."""
    image = Image.new("RGB", size, (128, 128, 128))
    draw = ImageDraw.Draw(image)
    for x, y, r in marks:
        for ring in range(r, 0, -6):
            draw.ellipse((x - ring, y - ring, x + ring, y + ring), fill=(230, 40, 30) if ring % 12 else (20, 60, 220))
    return image


def face(left: float, top: float, width: float, height: float) -> dict[str, float]:
    return {"left": left, "top": top, "width": width, "height": height}


def test_a_cover_crop_keeps_every_face_that_fits() -> None:
    image = Image.new("RGB", WIDE)
    faces = [face(0.70, 0.3, 0.05, 0.2), face(0.85, 0.3, 0.05, 0.2)]
    left, top, right, bottom = crop.cover_box(image, (600, 600), "faces", faces)
    assert (right - left, bottom - top) == (600, 600)
    for f in faces:
        assert left <= f["left"] * WIDE[0] and (f["left"] + f["width"]) * WIDE[0] <= right


def test_faces_that_cannot_fit_together_keep_the_largest() -> None:
    image = Image.new("RGB", WIDE)
    small, large = face(0.02, 0.4, 0.04, 0.1), face(0.85, 0.2, 0.1, 0.5)
    left, _, right, _ = crop.cover_box(image, (600, 600), "faces", [small, large])
    assert left <= large["left"] * WIDE[0] and (large["left"] + large["width"]) * WIDE[0] <= right
    assert left > (small["left"] + small["width"]) * WIDE[0]


@pytest.mark.parametrize("focus", ["faces", "attention"])
def test_without_faces_or_anything_salient_the_crop_is_centred(focus: str) -> None:
    left, _, right, _ = crop.cover_box(Image.new("RGB", WIDE, (128, 128, 128)), (600, 600), focus, [])
    assert (left, right) == (500, 1100)


@pytest.mark.parametrize("x", [150, 800, 1450])
def test_attention_finds_the_one_thing_in_a_wide_frame(x: int) -> None:
    left, _, right, _ = crop.cover_box(scene([(x, 300, 120)]), (600, 600), "attention", [])
    assert left <= x - 120 and x + 120 <= right, (left, right)


def render(image: Image.Image, *specs: VariantSpec, faces: list[dict[str, float]] | None = None) -> list[Image.Image]:
    return [Image.open(io.BytesIO(r.body)) for r in engine.render_variants(image, specs, None, faces or [])]


def test_box_variants_have_exactly_their_size_and_are_never_upscaled() -> None:
    image = scene([(1400, 300, 150)])
    cover, contain, tall, huge = render(
        image,
        VariantSpec("cover", 400, "jpeg", width=400, height=400, focus="attention"),
        VariantSpec("contain", 400, "png", width=400, height=400, fit="contain"),
        VariantSpec("tall", 300, "webp", width=100, height=300),
        VariantSpec("huge", 4000, "jpeg", width=4000, height=4000),
    )
    assert cover.size == (400, 400) and contain.size == (400, 150) and tall.size == (100, 300)
    assert huge.size == (600, 600), "the 600 px window at its own resolution"
    r, _, b = cover.convert("RGB").getpixel((200, 200))  # type: ignore[misc]
    assert r > 150 or b > 150, "the disc at the right, not the grey middle"


def test_a_faces_crop_of_a_wide_frame_keeps_the_face() -> None:
    image = scene([(1450, 300, 90)])
    (square,) = render(
        image, VariantSpec("sq", 300, width=300, height=300, focus="faces"), faces=[face(0.85, 0.35, 0.11, 0.3)]
    )
    # The window is pushed against the right edge (1000..1600 px): the face at 1450 px is at 225.
    r, _, b = square.convert("RGB").getpixel((225, 150))  # type: ignore[misc]
    assert r > 150 or b > 150, "the face's disc is in the crop"


def test_a_box_variant_of_a_wide_gamut_photo_is_converted() -> None:
    p3 = colour.profile(icc.DISPLAY_P3)
    image = colour.into(colour.patches(colour.CENTRE), p3)
    (out,) = [
        Image.open(io.BytesIO(r.body))
        for r in engine.render_variants(image, [VariantSpec("b", 96, "png", width=96, height=96)], p3)
    ]
    assert out.size == (96, 96) and "icc_profile" not in out.info


class FacesProvider(LocalProvider):
    def analyse(self, image: Image.Image) -> dict[str, object]:
        found = super().analyse(image)
        found["faces"] = [{"box": face(0.05, 0.3, 0.1, 0.4), "confidence": 99.0}]
        return found


def run(operations: Operations, image: Image.Image) -> tuple[dict[str, object], dict[str, Image.Image]]:
    settings = settings_from({})
    jobs, store = InMemoryJobs(), InMemoryStore()
    data = encode(image, "PNG")
    job, _ = JobService(settings, jobs, store).create_job("alice", "image/png", len(data), operations)
    key = original_key("alice", job.job_id)
    store.uploads[key] = data
    worker = ProcessingService(settings, jobs, store, RecordingPublisher(0), FacesProvider())
    assert worker.process(UploadedObject("uploads", key, len(data), '"e"'), "m").outcome is Outcome.COMPLETED
    done = jobs.items[job.job_id]
    assert done.analysis is not None
    return done.analysis, {o.name: Image.open(io.BytesIO(store.results[o.key][0])) for o in done.outputs}


def test_a_crop_edit_placed_on_faces_uses_the_analysis() -> None:
    image = scene([(160, 300, 90)])  # the "face" at the left, where the provider says it is
    edits = ({"op": "crop", "width": 400, "height": 400, "focus": "faces"},)
    _, outputs = run(Operations(variants=(VariantSpec("v", 400, "png"),), edits=edits), image)
    r, _, b = outputs["v"].convert("RGB").getpixel((200, 200))  # type: ignore[misc]
    assert outputs["v"].size == (400, 400) and (r > 150 or b > 150)


def test_after_a_rotation_faces_no_longer_place_anything() -> None:
    image = scene([(160, 300, 90)])
    edits = ({"op": "rotate", "degrees": 180}, {"op": "crop", "width": 400, "height": 400, "focus": "faces"})
    _, outputs = run(Operations(variants=(VariantSpec("v", 400, "png"),), edits=edits), image)
    assert outputs["v"].convert("RGB").getpixel((200, 200)) == (128, 128, 128), "centred: the boxes were stale"


def test_the_analysis_names_the_square_a_crop_keeps_on_faces_or_else_on_what_stands_out() -> None:
    # The provider reports a face at 5-15 % of the width; the discs at the right draw the eye.
    with_face, _ = run(Operations(), scene([(1400, 300, 90)]))
    smart = with_face["smartCrop"]
    assert isinstance(smart, dict) and smart["focus"] == "faces"
    box = smart["box"]
    assert box["width"] * WIDE[0] == pytest.approx(box["height"] * WIDE[1], abs=2), "a square"
    assert box["left"] <= 0.05 and box["left"] + box["width"] >= 0.15, box

    square = crop.smart_square(scene([(200, 300, 90)]), faces=[])
    assert square["focus"] == "attention"
    assert square["box"]["left"] < 200 / WIDE[0] < square["box"]["left"] + square["box"]["width"], square
