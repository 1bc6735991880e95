"""Photos through the whole event flow: S3 -> SQS -> worker -> results, jobs table, SNS."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw

from devkit.client import PhotopipeClient, wait_until
from devkit.stack import Stack
from tests.support.events import s3_notification
from tests.support.images import encode, photo, png_header_only, tiff_claiming
from tests.support.stack_queues import fetch, queue_depth, wait_drained


def test_a_phone_photo_completes_oriented_and_without_metadata(client: PhotopipeClient) -> None:
    # 1200x800 stored sideways with EXIF orientation 6 and a GPS position.
    job_id = client.submit(photo(1200, 800, orientation=6, gps=True), "image/jpeg")
    job = client.wait_for_job(job_id)
    assert job["status"] == "COMPLETED", job
    assert [h["status"] for h in job["statusHistory"]] == ["PENDING_UPLOAD", "PROCESSING", "COMPLETED"]
    sizes = {o["name"]: (o["width"], o["height"]) for o in job["outputs"]}
    assert sizes == {"thumbnail": (171, 256), "medium": (683, 1024), "large": (800, 1200)}
    for output in job["outputs"]:
        image = Image.open(io.BytesIO(fetch(output["url"]).content))
        assert image.size == (output["width"], output["height"])
        assert not image.getexif(), f"{output['name']} kept metadata"
    analysis = job["analysis"]
    assert (analysis["width"], analysis["height"]) == (800, 1200), "the oriented original"
    assert analysis["orientation"] == 6 and "location" not in analysis, "GPS stays out by default"
    assert analysis["placeholder"]["thumbhash"]


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        (b"%PDF-1.7 not an image at all", "image/jpeg", "NOT_AN_IMAGE"),
        (photo(200, 200, fmt="PNG"), "image/jpeg", "CONTENT_TYPE_MISMATCH"),
        (photo(1000, 1000)[:3000], "image/jpeg", "TRUNCATED_IMAGE"),
        (png_header_only(30_000, 30_000), "image/png", "DECOMPRESSION_BOMB"),
    ],
    ids=["not-an-image", "type-mismatch", "truncated", "bomb"],
)
def test_bad_images_fail_with_their_code_and_never_reach_the_dlq(
    client: PhotopipeClient, stack: Stack, data: bytes, content_type: str, code: str
) -> None:
    dlq_before = queue_depth(stack, "jobs_dlq_url")["ApproximateNumberOfMessages"]
    job = client.wait_for_job(client.submit(data, content_type))
    assert job["status"] == "FAILED"
    assert job["error"]["code"] == code and job["error"]["message"]
    assert job["attempts"] == 1  # never retried
    wait_drained(stack, "jobs_queue_url")
    assert queue_depth(stack, "jobs_dlq_url")["ApproximateNumberOfMessages"] == dlq_before


def test_unusual_but_valid_images_complete(client: PhotopipeClient) -> None:
    samples = {
        "cmyk": (encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG"), "image/jpeg"),
        "16bit": (encode(Image.new("I;16", (300, 200), 40000), "PNG"), "image/png"),
        "strip": (encode(Image.new("RGB", (10_000, 100), (9, 9, 9)), "PNG"), "image/png"),
        "gif": (encode(Image.new("P", (40, 40), 2), "GIF"), "image/gif"),
    }
    ids = {name: client.submit(data, content_type) for name, (data, content_type) in samples.items()}
    for name, job_id in ids.items():
        job = client.wait_for_job(job_id)
        assert job["status"] == "COMPLETED", (name, job.get("error"))


def test_a_duplicate_s3_event_is_not_processed_twice(client: PhotopipeClient, stack: Stack) -> None:
    job_id = client.submit(photo(600, 400), "image/jpeg")
    first = client.wait_for_job(job_id)
    assert first["status"] == "COMPLETED"
    user = client.user_id
    # The same notification S3 sent, delivered a second time.
    duplicate = s3_notification(stack["uploads_bucket_name"], f"incoming/{user}/{job_id}/original", 1, "x")
    stack.client("sqs").send_message(QueueUrl=stack["jobs_queue_url"], MessageBody=duplicate)
    wait_drained(stack, "jobs_queue_url", "notify_queue_url")
    again = client.get_job(job_id)
    assert again["updatedAt"] == first["updatedAt"]
    assert again["statusHistory"] == first["statusHistory"]


def test_a_transient_fault_is_retried_to_success(client: PhotopipeClient) -> None:
    data = photo(400, 300)
    job_id = client.submit(data, "image/jpeg", operations={"injectTransientFailures": 2})
    job = client.wait_for_job(job_id)
    assert job["status"] == "COMPLETED"
    assert job["attempts"] == 3


def test_exhausted_retries_fail_the_job_as_abandoned_and_dead_letter_the_message(
    client: PhotopipeClient, stack: Stack
) -> None:
    before = queue_depth(stack, "jobs_dlq_url")["ApproximateNumberOfMessages"]
    job_id = client.submit(photo(200, 200), "image/jpeg", operations={"injectTransientFailures": 10})
    job = client.wait_for_job(job_id)
    assert job["status"] == "FAILED"
    assert job["error"]["code"] == "PROCESSING_ABANDONED"
    wait_until(
        lambda: queue_depth(stack, "jobs_dlq_url")["ApproximateNumberOfMessages"],
        lambda depth: depth == before + 1,
        60,
        "the message in the jobs DLQ",
    )


def test_edits_are_applied_before_the_variants(client: PhotopipeClient) -> None:
    operations = {
        "variants": [{"name": "square", "maxSize": 300, "format": "webp"}],
        "edits": [
            {"op": "crop", "left": 0, "top": 0, "width": 600, "height": 600},
            {"op": "rotate", "degrees": 90},
            {"op": "grayscale"},
        ],
        "analysis": False,
    }
    job = client.wait_for_job(client.submit(photo(1200, 800), "image/jpeg", operations=operations))
    assert job["status"] == "COMPLETED", job.get("error")
    (output,) = job["outputs"]
    assert (output["name"], output["width"], output["height"], output["contentType"]) == (
        "square",
        300,
        300,
        "image/webp",
    )
    image = Image.open(io.BytesIO(fetch(output["url"]).content))
    assert image.format == "WEBP"
    # Without analysis only what the engine reads anyway: no provider ran.
    assert "provider" not in job["analysis"] and job["analysis"]["placeholder"]["thumbhash"]


def test_hostile_photos_fail_alone_while_a_neighbours_photo_completes(
    client: PhotopipeClient, client_for: Callable[[str], PhotopipeClient]
) -> None:
    """A TIFF claiming 3,000,000 strips, and a tiny PNG upscaled into eight 8000 px AVIF boxes:
    each fails at once with its code, and another user's photo sent with them is not held up."""
    neighbour = client_for(f"neighbour-{uuid.uuid4().hex[:8]}")
    strips = client.submit(tiff_claiming(3_000_000), "image/tiff")
    boxes = [{"name": f"b{i}", "width": 8000, "height": 8000 - i, "format": "avif"} for i in range(8)]
    upscaled = client.submit(
        encode(Image.new("RGB", (8, 8), (200, 30, 30)), "PNG"),
        "image/png",
        operations={"edits": [{"op": "resize", "width": 8000, "height": 8000}], "variants": boxes},
    )
    ordinary = neighbour.submit(photo(1600, 1200), "image/jpeg")
    assert neighbour.wait_for_job(ordinary, timeout=15)["status"] == "COMPLETED"
    for job_id, code in ((strips, "DECOMPRESSION_BOMB"), (upscaled, "PIXEL_LIMIT_EXCEEDED")):
        job = client.wait_for_job(job_id, timeout=30)
        assert (job["status"], (job["error"] or {}).get("code")) == ("FAILED", code), job


def test_an_impossible_edit_fails_the_job_with_invalid_edit(client: PhotopipeClient) -> None:
    operations = {"edits": [{"op": "crop", "left": 500, "top": 0, "width": 500, "height": 100}]}
    job = client.wait_for_job(client.submit(photo(600, 400), "image/jpeg", operations=operations))
    assert (job["status"], job["error"]["code"]) == ("FAILED", "INVALID_EDIT")


def test_box_variants_are_exact_and_their_crop_follows_what_draws_the_eye(client: PhotopipeClient) -> None:
    # A wide grey frame with one busy, saturated disc near its right edge.
    image = Image.new("RGB", (1800, 600), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    for ring in range(150, 0, -6):
        draw.ellipse(
            (1550 - ring, 300 - ring, 1550 + ring, 300 + ring), fill=(230, 40, 30) if ring % 12 else (20, 60, 220)
        )
    operations = {
        "variants": [
            {"name": "square", "width": 300, "height": 300, "focus": "attention", "format": "png"},
            {"name": "banner", "width": 600, "height": 100, "format": "jpeg"},
            {"name": "fitted", "width": 300, "height": 300, "fit": "contain", "format": "png"},
        ],
        "analysis": False,
    }
    job = client.wait_for_job(client.submit(encode(image, "PNG"), "image/png", operations=operations))
    assert job["status"] == "COMPLETED", job.get("error")
    sizes = {o["name"]: (o["width"], o["height"]) for o in job["outputs"]}
    assert sizes == {"square": (300, 300), "banner": (600, 100), "fitted": (300, 100)}
    square = next(o for o in job["outputs"] if o["name"] == "square")
    pixel = Image.open(io.BytesIO(fetch(square["url"]).content)).convert("RGB").getpixel((150, 150))
    assert pixel != (128, 128, 128), "the crop sits on the disc, not on the grey centre"
