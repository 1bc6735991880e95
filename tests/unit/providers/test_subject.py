"""The on-device subject mask (U²-Net-p) and the two edits made with it, on the labelled set."""

from __future__ import annotations

import statistics

import pytest
from PIL import Image, ImageChops, ImageStat

from photopipe.providers.subject import SubjectMasker
from tests.support import subjects
from tests.support.faces import sample
from tests.support.measured import report

MASKER = SubjectMasker()
# The bound sits below the mean measured here (0.97): a mask that found a blob, but not the
# subject's outline, scores 0.5-0.7.
MIN_MEAN_IOU = 0.9


def test_the_mask_matches_shapes_cut_by_hand_on_the_labelled_set() -> None:
    scores = {case.name: subjects.iou(MASKER.mask(case.image), case.truth) for case in subjects.labelled_set()}
    mean = statistics.mean(scores.values())
    report("subject masks", f"mean IoU {mean:.3f} over {len(scores)} photos, lowest {min(scores.values()):.3f}")
    assert mean >= MIN_MEAN_IOU, scores


def test_remove_background_leaves_the_corners_transparent_and_the_subject_opaque() -> None:
    case = subjects.labelled_set()[0]
    cut = MASKER.remove_background(case.image, None)
    assert cut.mode == "RGBA"
    alpha = cut.getchannel("A")
    corners = [alpha.getpixel(p) for p in ((2, 2), (637, 2), (2, 477), (637, 477))]
    assert max(corners) < 16, corners  # type: ignore[type-var]
    centre = alpha.crop((260, 180, 380, 300))
    assert ImageStat.Stat(centre).mean[0] > 240


def test_remove_background_onto_a_colour_fills_behind_the_subject() -> None:
    case = subjects.labelled_set()[1]
    filled = MASKER.remove_background(case.image, "#00ff00")
    assert filled.mode == "RGB" and filled.getpixel((3, 3)) == (0, 255, 0)


def test_blur_background_keeps_the_subject_and_softens_the_rest() -> None:
    case = subjects.labelled_set()[2]
    result = MASKER.blur_background(case.image, 12)
    inside, outside = (260, 180, 380, 300), (0, 0, 120, 80)
    assert _difference(result.crop(inside), case.image.crop(inside)) < 3
    assert _difference(result.crop(outside), case.image.crop(outside)) > 10


def test_a_photo_with_no_subject_keeps_little_of_itself() -> None:
    """Over a plain field (grass) the mask is mostly empty, so nothing of the field is "the subject"."""
    field = sample("grass.png").resize((640, 480))
    kept = ImageStat.Stat(MASKER.mask(field)).mean[0] / 255
    report("subject mask of a field of grass", f"{kept:.2f} of it kept")
    assert kept < 0.5


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(statistics.mean(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean))


@pytest.fixture(autouse=True, scope="module")
def _model_is_installed() -> None:
    pytest.importorskip("onnxruntime")
    Image.init()
