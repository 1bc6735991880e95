"""redactFaces: by two measures that do not share a model, no face survives, and nothing else changes."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

from bench.quality import ssim
from photopipe.images.edits import RedactFacesEdit
from photopipe.providers import redaction
from photopipe.providers.faces import FaceDetector
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.ondevice import OnDeviceProvider
from tests.support import faces

DETECTOR = FaceDetector()
PROVIDER = OnDeviceProvider(ModerationPolicy(frozenset(), 80), faces=DETECTOR)
# A face's region after redaction keeps under this much of its structure (SSIM on luma against
# the original region): blurring at a fifth of the box, or 6 blocks across, leaves 0.16-0.32 on
# the labelled set; a light blur that leaves a face recognisable keeps 0.65-0.91 (radius 3-1).
MAX_FACE_SSIM = 0.5


@pytest.mark.parametrize("style", ["blur", "pixelate"])
@pytest.mark.parametrize("case", [c for c in faces.labelled_set() if c.faces], ids=lambda c: c.name)
def test_no_face_survives_and_the_rest_of_the_photo_is_untouched(case: faces.Case, style: str) -> None:
    image = case.image
    redacted = PROVIDER.edit(image, RedactFacesEdit(style=style))
    assert DETECTOR.detect(redaction.detection_copy(redacted)) == [], "the detector still finds a face"
    for left, top, width, height in case.faces:
        box = (
            round(left * image.width),
            round(top * image.height),
            round((left + width) * image.width),
            round((top + height) * image.height),
        )
        score = ssim(redacted.crop(box), image.crop(box))
        assert score < MAX_FACE_SSIM, (case.name, box, score)
    # Outside every grown box, not a pixel moved.
    untouched = Image.new("L", image.size, 255)
    for face in DETECTOR.detect(redaction.detection_copy(image)):
        b = face["box"]
        untouched.paste(
            0,
            (
                int((b["left"] - b["width"] * 0.3) * image.width),
                int((b["top"] - b["height"] * 0.5) * image.height),
                int((b["left"] + b["width"] * 1.3) * image.width) + 1,
                int((b["top"] + b["height"] * 1.35) * image.height) + 1,
            ),
        )
    changed = (
        ImageChops.difference(image.convert("RGB"), redacted.convert("RGB"))
        .convert("L")
        .point(lambda v: 255 if v else 0)
    )
    assert ImageChops.multiply(changed, untouched).getbbox() is None


def test_a_light_blur_would_not_pass_the_structure_bound() -> None:
    """The SSIM bound can fail: a face blurred lightly keeps its structure above it."""
    from PIL import ImageFilter

    image = faces.sample("astronaut.png")
    left, top, width, height = faces.ASTRONAUT_FACE
    box = (round(left * 512), round(top * 512), round((left + width) * 512), round((top + height) * 512))
    light = image.filter(ImageFilter.GaussianBlur(1))
    assert ssim(light.crop(box), image.crop(box)) > MAX_FACE_SSIM
