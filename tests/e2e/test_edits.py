"""Edits asked after upload, through the running stack: the api, the jobs queue, the worker, the
notifier and delivery, as a phone would use them."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from PIL import Image, ImageStat

from devkit.client import ApiError, PhotopipeClient, wait_until
from devkit.stack import Stack
from devkit.webhook_receiver import WebhookReceiver
from photopipe.providers import redaction
from photopipe.providers.faces import FaceDetector
from tests.support import faces, subjects
from tests.support.images import encode, photo

GRAY = [{"op": "grayscale"}]


def error_code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


@pytest.fixture
def finished(client: PhotopipeClient) -> str:
    job_id = client.submit(photo(800, 600), "image/jpeg")
    assert client.wait_for_job(job_id)["status"] == "COMPLETED"
    return job_id


def fetch_image(url: str) -> Image.Image:
    answer = requests.get(url, timeout=60)
    answer.raise_for_status()
    return Image.open(io.BytesIO(answer.content))


def test_an_edit_asked_after_upload_completes_and_each_device_hears_once(client: PhotopipeClient) -> None:
    with WebhookReceiver() as receiver:
        hook = client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()}).json()
        client.request("POST", "/v1/devices", 201, json={"platform": "ios", "token": "apns-e2e-edit-token"})
        job_id = client.submit(photo(800, 600), "image/jpeg")
        job_before = client.wait_for_job(job_id)
        edit_id = client.request_edit(job_id, GRAY)
        edit = client.wait_for_edit(job_id, edit_id)
        assert edit["status"] == "COMPLETED", edit
        assert [o["name"] for o in edit["outputs"]] == ["thumbnail", "medium", "large"]
        assert all(o["url"].startswith(edit["delivery"]["url"] + "/") for o in edit["outputs"])
        red, green, blue = fetch_image(edit["outputs"][0]["url"]).convert("RGB").split()
        assert ImageStat.Stat(red).mean == ImageStat.Stat(green).mean == ImageStat.Stat(blue).mean  # grayscale
        # Any transform of the edit's image, like a job's.
        assert fetch_image(f"{edit['delivery']['url']}/w_120,f_webp").size == (120, 90)
        posts = wait_until(
            lambda: [p for p in receiver.for_path("/hook") if p.event.get("editId") == edit_id],
            bool,
            60,
            f"edit.completed for {edit_id}",
        )
        (post,) = posts
        assert post.signature_valid(hook["signingSecret"])
        assert post.envelope["type"] == "edit.completed"
        assert (post.event["jobId"], post.event["status"]) == (job_id, "COMPLETED")
        job_after = client.get_job(job_id)
        assert [e["editId"] for e in job_after["edits"]] == [edit_id]
        # The job itself is as it was: its outputs, its history.
        for field in ("outputs", "statusHistory", "status", "updatedAt"):
            assert job_after[field] == job_before[field], field
        # Each device once: the ledger holds one delivery per device for the edit.
        wait_until(
            lambda: len([p for p in receiver.for_path("/hook") if p.event.get("editId") == edit_id]),
            lambda n: n == 1,
            5,
            "still one webhook post",
        )


def test_an_edit_is_refused_before_the_job_is_done_for_others_and_for_bad_ops(
    client: PhotopipeClient, client_for: Any, finished: str
) -> None:
    waiting = client.create_job("image/jpeg", 1000)["jobId"]
    not_ready = client.request("POST", f"/v1/jobs/{waiting}/edits", json={"edits": GRAY})
    assert not_ready.status_code == 409 and error_code(not_ready) == "JOB_NOT_READY"
    stranger = client_for("edits-stranger")
    hidden = stranger.request("POST", f"/v1/jobs/{finished}/edits", json={"edits": GRAY})
    assert hidden.status_code == 404 and error_code(hidden) == "NOT_FOUND"
    for body in ({"edits": [{"op": "sepia"}]}, {"edits": []}, {"edits": GRAY, "variants": [{"name": "x"}]}, {}):
        refused = client.request("POST", f"/v1/jobs/{finished}/edits", json=body)
        assert refused.status_code == 400 and error_code(refused) == "INVALID_REQUEST", body
    assert client.get_job(finished)["edits"] == []
    missing = client.request("GET", f"/v1/jobs/{finished}/edits/0123456789abcdef0123")
    assert missing.status_code == 404


def test_an_idempotent_replay_returns_the_same_edit_and_another_body_is_refused(
    client: PhotopipeClient, finished: str
) -> None:
    first = client.request_edit(finished, GRAY, idempotency_key="edit-once-1")
    assert client.request_edit(finished, GRAY, idempotency_key="edit-once-1") == first
    other = client.request(
        "POST",
        f"/v1/jobs/{finished}/edits",
        json={"edits": [{"op": "flip", "direction": "horizontal"}]},
        headers={"Idempotency-Key": "edit-once-1"},
    )
    assert other.status_code == 422 and error_code(other) == "IDEMPOTENCY_KEY_REUSED"
    assert [e["editId"] for e in client.get_job(finished)["edits"]] == [first]


def test_edits_list_newest_first_and_deleting_the_job_deletes_them(client: PhotopipeClient, finished: str) -> None:
    made = [client.request_edit(finished, GRAY) for _ in range(3)]
    for edit_id in made:
        client.wait_for_edit(finished, edit_id)
    page = client.request("GET", f"/v1/jobs/{finished}/edits?limit=2", 200).json()
    assert [e["editId"] for e in page["edits"]] == made[::-1][:2]
    rest = client.request("GET", f"/v1/jobs/{finished}/edits?limit=2&cursor={page['nextCursor']}", 200).json()
    assert [e["editId"] for e in rest["edits"]] == made[:1] and rest["nextCursor"] is None
    client.request("DELETE", f"/v1/jobs/{finished}/edits/{made[0]}", 204)
    assert [e["editId"] for e in client.get_job(finished)["edits"]] == made[::-1][:2]
    kept_url = client.get_edit(finished, made[1])["outputs"][0]["url"]
    client.request("DELETE", f"/v1/jobs/{finished}", 204)
    for edit_id in made[1:]:
        with pytest.raises(ApiError):
            client.get_edit(finished, edit_id)
    assert requests.get(kept_url, timeout=30).status_code == 404


@pytest.fixture
def model_client(stack: Stack, client: PhotopipeClient) -> PhotopipeClient:
    if stack["image_provider"] != "ondevice":
        pytest.skip("the model edits need the ondevice provider")
    return client


def test_remove_background_after_upload_gives_a_png_with_transparent_corners(model_client: PhotopipeClient) -> None:
    case = subjects.labelled_set()[0]
    job_id = model_client.submit(encode(case.image, "PNG"), "image/png")
    assert model_client.wait_for_job(job_id, timeout=120)["status"] == "COMPLETED"
    edit_id = model_client.request_edit(job_id, [{"op": "removeBackground"}])
    edit = model_client.wait_for_edit(job_id, edit_id, timeout=120)
    assert edit["status"] == "COMPLETED", edit
    assert {o["contentType"] for o in edit["outputs"]} == {"image/png"}  # the default set, in PNG
    medium = next(o for o in edit["outputs"] if o["name"] == "medium")
    for cut in (fetch_image(medium["url"]), fetch_image(f"{edit['delivery']['url']}/w_640,f_png")):
        assert cut.mode == "RGBA" and cut.width == 640
        alpha = cut.getchannel("A")
        corners = [alpha.getpixel((x, y)) for x in (2, cut.width - 3) for y in (2, cut.height - 3)]
        assert max(corners) < 16, corners  # type: ignore[type-var]
        assert ImageStat.Stat(alpha.crop((260, 180, 380, 300))).mean[0] > 240  # the subject, opaque


def test_redact_faces_after_upload_leaves_no_face_a_detector_finds(model_client: PhotopipeClient) -> None:
    job_id = model_client.submit(encode(faces.sample("astronaut.png"), "PNG"), "image/png")
    job = model_client.wait_for_job(job_id, timeout=120)
    assert job["status"] == "COMPLETED" and job["analysis"]["faces"], "the original has a face to redact"
    edit_id = model_client.request_edit(
        job_id, [{"op": "redactFaces", "style": "blur"}], variants=[{"name": "share", "maxSize": 1024}]
    )
    edit = model_client.wait_for_edit(job_id, edit_id, timeout=120)
    assert edit["status"] == "COMPLETED", edit
    assert FaceDetector().detect(redaction.detection_copy(fetch_image(edit["outputs"][0]["url"]))) == []
