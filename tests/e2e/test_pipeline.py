"""Photos through the whole event flow: S3 -> SQS -> worker -> results, jobs table, SNS."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from client import PhotopipeClient
from conftest import fetch, queue_depth, wait_drained
from images import encode, photo, png_header_only
from stack import Stack


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
    assert job["analysis"]["originalWidth"] == 1200


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
    job = client.wait_for_job(client.submit(data, content_type))
    assert job["status"] == "FAILED"
    assert job["error"]["code"] == code and job["error"]["message"]
    wait_drained(stack, "jobs_queue_url")
    assert queue_depth(stack, "jobs_dlq_url")["ApproximateNumberOfMessages"] == 0


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
    user = first["outputs"][0]["url"].split("/results/")[1].split("/")[0]
    # The same notification S3 sent, delivered a second time.
    duplicate = {
        "Records": [
            {
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": stack["uploads_bucket_name"]},
                    "object": {"key": f"incoming/{user}/{job_id}/original", "size": 1, "eTag": "x"},
                },
            }
        ]
    }
    stack.client("sqs").send_message(QueueUrl=stack["jobs_queue_url"], MessageBody=json.dumps(duplicate))
    wait_drained(stack, "jobs_queue_url", "notify_queue_url")
    again = client.get_job(job_id)
    assert again["updatedAt"] == first["updatedAt"]
    assert again["statusHistory"] == first["statusHistory"]
