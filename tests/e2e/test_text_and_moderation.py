"""The deployed on-device provider's moderation and text (OCR), on pictures the tests build."""

from __future__ import annotations

import pytest

from devkit.client import PhotopipeClient
from devkit.stack import Stack
from tests.support import faces, words
from tests.support.images import encode


def test_text_is_read_from_a_picture_of_words_where_the_deployment_reads_text(
    stack: Stack, client: PhotopipeClient
) -> None:
    if not stack["analysis"]["text_detection"]:
        pytest.skip("this stack was deployed with text_detection = false")
    job = client.wait_for_job(client.submit(encode(words.sign(), "JPEG", quality=90), "image/jpeg"), timeout=120)
    assert job["status"] == "COMPLETED", job.get("error")
    lines = job["analysis"]["text"]
    assert [line["text"] for line in lines] == list(words.SIGN), lines
    assert all(0 < line["box"]["width"] < 1 and line["confidence"] >= 80 for line in lines), lines


def test_a_photo_without_words_has_an_empty_text_list_and_clean_moderation(
    stack: Stack, client: PhotopipeClient
) -> None:
    job = client.wait_for_job(client.submit(encode(faces.sample("chelsea.png"), "JPEG"), "image/jpeg"), timeout=120)
    assert job["status"] == "COMPLETED", job.get("error")
    analysis = job["analysis"]
    assert analysis["moderation"] == []
    assert analysis.get("text") == ([] if stack["analysis"]["text_detection"] else None), analysis.get("text")
