"""The on-device model edits through the running stack (the ondevice provider, the default)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from PIL import Image, ImageStat

from devkit.client import PhotopipeClient
from devkit.stack import Stack
from photopipe.providers import redaction
from photopipe.providers.faces import FaceDetector
from tests.support import faces, subjects
from tests.support.images import encode


@pytest.fixture
def client(stack: Stack, user_id: str) -> PhotopipeClient:
    if stack["image_provider"] != "ondevice":
        pytest.skip("the model edits need the ondevice provider")
    return PhotopipeClient.for_user(stack, user_id)


def edited(client: PhotopipeClient, image: Image.Image, edit: dict[str, Any], fmt: str = "png") -> Image.Image:
    variants = [{"name": "out", "maxSize": 1024, "format": fmt}]
    job_id = client.submit(encode(image, "PNG"), "image/png", operations={"edits": [edit], "variants": variants})
    job = client.wait_for_job(job_id, timeout=120)
    assert job["status"] == "COMPLETED", job.get("error")
    answer = requests.get(job["outputs"][0]["url"], timeout=60)
    answer.raise_for_status()
    return Image.open(io.BytesIO(answer.content))


def test_remove_background_gives_a_png_with_transparent_corners_and_an_opaque_subject(client: PhotopipeClient) -> None:
    case = subjects.labelled_set()[0]
    cut = edited(client, case.image, {"op": "removeBackground"})
    assert cut.mode == "RGBA"
    alpha = cut.getchannel("A")
    corners = [
        alpha.getpixel(p) for p in ((2, 2), (cut.width - 3, 2), (2, cut.height - 3), (cut.width - 3, cut.height - 3))
    ]
    assert max(corners) < 16, corners  # type: ignore[type-var]
    assert ImageStat.Stat(alpha.crop((260, 180, 380, 300))).mean[0] > 240


def test_redact_faces_leaves_no_face_a_detector_finds(client: PhotopipeClient) -> None:
    portrait = faces.sample("astronaut.png")
    redacted = edited(client, portrait, {"op": "redactFaces", "style": "pixelate"}, fmt="jpeg")
    assert FaceDetector().detect(redaction.detection_copy(redacted)) == []


def test_blur_background_completes_with_the_subject_kept(client: PhotopipeClient) -> None:
    case = subjects.labelled_set()[2]
    blurred = edited(client, case.image, {"op": "blurBackground", "radius": 15}, fmt="jpeg")
    assert blurred.size == case.image.size
