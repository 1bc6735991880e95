"""Photos as phones take them, through the deployed pipeline: wide gamut, HEIC, AVIF, CMYK.

Each upload is made by the tests from known sRGB colours (tests/colour.py); what the variants
hold is measured against those colours as delta E, the same way the unit tests do.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from devkit.client import PhotopipeClient
from photopipe.images import icc
from tests.support import colour
from tests.support.colour import P3_NCLX, cmyk_photo, ten_bit_heic, wide_photo
from tests.support.images import phone_exif, phone_photo
from tests.support.stack_queues import fetch

ALL = colour.CENTRE + colour.EDGES


def outputs(client: PhotopipeClient, data: bytes, content_type: str, **operations: object) -> tuple[dict, dict]:  # type: ignore[type-arg]
    job = client.wait_for_job(client.submit(data, content_type, operations=operations or None))
    assert job["status"] == "COMPLETED", job
    images = {o["name"]: Image.open(io.BytesIO(fetch(o["url"]).content)) for o in job["outputs"]}
    return job, images


@pytest.mark.parametrize(
    ("make", "content_type", "tolerance"),
    [
        (lambda: wide_photo(icc.DISPLAY_P3, "JPEG"), "image/jpeg", 3.0),
        (lambda: ten_bit_heic(colour.patches(ALL), P3_NCLX), "image/heic", 3.0),
        (lambda: wide_photo(icc.ADOBE_RGB, "AVIF"), "image/avif", 3.0),
    ],
    ids=["p3-jpeg", "p3-10bit-heic-nclx", "adobe-rgb-avif"],
)
def test_every_variant_of_a_wide_gamut_photo_is_in_srgb(
    client: PhotopipeClient, make: object, content_type: str, tolerance: float
) -> None:
    data = make()  # type: ignore[operator]
    variants = [{"name": n, "maxSize": s, "format": "png"} for n, s in (("big", 256), ("small", 96))]
    job, images = outputs(client, data, content_type, variants=variants)
    for name, image in images.items():
        assert "icc_profile" not in image.info
        error = colour.worst(ALL, colour.centres(image, len(ALL)))
        assert error <= tolerance, f"{name}: worst delta E {error:.2f}"
    assert job["analysis"]["sourceFormat"] == content_type.replace("heic", "heif")


def test_a_source_variant_keeps_display_p3(client: PhotopipeClient) -> None:
    variants = [
        {"name": "p3", "maxSize": 200, "format": "jpeg", "colorSpace": "source"},
        {"name": "web", "maxSize": 200, "format": "webp"},
    ]
    _, images = outputs(client, wide_photo(icc.DISPLAY_P3, "PNG"), "image/png", variants=variants)
    assert images["p3"].info.get("icc_profile") == colour.profile(icc.DISPLAY_P3)
    assert "icc_profile" not in images["web"].info


def test_a_cmyk_jpeg_and_avif_out(client: PhotopipeClient) -> None:
    variants = [{"name": "avif", "maxSize": 160, "format": "avif"}]
    _, images = outputs(client, cmyk_photo(), "image/jpeg", variants=variants)
    image = images["avif"]
    assert image.format == "AVIF" and image.mode == "RGB"
    assert colour.worst(colour.CENTRE, colour.centres(image, len(colour.CENTRE))) <= 8


def test_the_owner_reads_when_and_with_what_a_photo_was_taken(client: PhotopipeClient) -> None:
    job, _ = outputs(client, phone_photo(phone_exif()), "image/jpeg", analysis=False)
    analysis = job["analysis"]
    assert analysis["capturedAt"] == "2026-07-14T18:03:27.420+02:00"
    assert analysis["camera"]["model"] == "iPhone 17 Pro"
    assert analysis["orientation"] == 6 and "location" not in analysis
    assert analysis["placeholder"]["thumbhash"] and "dominantColors" not in analysis
