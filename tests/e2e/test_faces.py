"""The deployed on-device provider (the local environment's default) on the labelled set."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from devkit.client import PhotopipeClient
from tests.support import faces
from tests.support.images import encode
from tests.support.stack_queues import fetch


def jpeg(image: Image.Image, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    return encode(image, "JPEG", quality=90, exif=exif.tobytes())


def rotated_portrait() -> tuple[bytes, tuple[faces.Box, ...]]:
    """The portrait stored sideways with EXIF orientation 6, as a phone held upright writes it."""
    stored = faces.sample("astronaut.png").transpose(Image.Transpose.ROTATE_90)
    return jpeg(stored, orientation=6), (faces.ASTRONAUT_FACE,)


CASES = {
    "portrait": lambda: (jpeg(faces.sample("astronaut.png")), (faces.ASTRONAUT_FACE,)),
    "rotated": rotated_portrait,
    "group": lambda: (jpeg(faces.group().image), faces.group().faces),
    "no face": lambda: (jpeg(faces.sample("chelsea.png")), ()),
}


@pytest.mark.parametrize("name", CASES)
def test_faces_are_found_where_they_are_through_the_pipeline(client: PhotopipeClient, name: str) -> None:
    data, truths = CASES[name]()
    job = client.wait_for_job(client.submit(data, "image/jpeg"), timeout=120)
    assert job["status"] == "COMPLETED", job.get("error")
    analysis = job["analysis"]
    assert analysis["provider"] == "ondevice"
    matched, false_positives = faces.Score().add(truths, faces.boxes(analysis["faces"]))
    assert (matched, false_positives) == (len(truths), 0), analysis["faces"]


def test_a_faces_crop_of_a_wide_frame_keeps_the_face(client: PhotopipeClient) -> None:
    # The portrait at the right end of a wide frame; the centre of the frame is empty.
    frame = Image.new("RGB", (2048, 512), (30, 30, 30))
    frame.paste(faces.sample("astronaut.png"), (1536, 0))
    operations = {"variants": [{"name": "avatar", "width": 256, "height": 256, "focus": "faces", "format": "png"}]}
    job = client.wait_for_job(client.submit(jpeg(frame), "image/jpeg", operations=operations), timeout=120)
    assert job["status"] == "COMPLETED", job.get("error")
    (face,) = job["analysis"]["faces"]
    (avatar,) = job["outputs"]
    image = Image.open(io.BytesIO(fetch(avatar["url"]).content))
    assert image.size == (256, 256)
    # The crop is the 512 px square around the face: the face's centre is inside it.
    centre_x = (face["box"]["left"] + face["box"]["width"] / 2) * 2048
    assert 1536 <= centre_x <= 2048
    assert image.convert("L").getextrema()[1] > 120, "the portrait, not the dark empty frame"
