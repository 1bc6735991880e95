"""Uploads in parts through the running stack, as a phone on a train would make them: parts out of
order and two at once, a connection dropped mid-part, a resume from GET .../upload, a complete."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import requests
from PIL import Image

from devkit.client import PhotopipeClient, wait_until
from devkit.stack import Stack
from tests.e2e.test_sweeper import sweep
from tests.support.uploads import dropped_midway

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def large_photo() -> bytes:
    """A 40 MB PNG (noise does not compress): five 8 MiB parts, the last one short."""
    side = 3650
    noise = [Image.effect_noise((side, side), 80 + 20 * i) for i in range(3)]
    buffer = io.BytesIO()
    Image.merge("RGB", noise).save(buffer, "PNG", compress_level=0)
    data = buffer.getvalue()
    assert 32 * MIB < len(data) <= 40 * MIB, len(data)  # 40 MB
    return data


def error_code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


def test_a_large_photo_in_parts_survives_a_dropped_connection_and_completes(
    client: PhotopipeClient, large_photo: bytes
) -> None:
    created = client.create_job("image/png", len(large_photo), multipart=True)
    job_id, upload = created["jobId"], created["upload"]
    assert upload["type"] == "multipart" and upload["partSize"] == 8 * MIB
    assert [int(p["headers"]["Content-Length"]) for p in upload["parts"]] == [8 * MIB] * 4 + [
        len(large_photo) - 32 * MIB
    ]
    parts = {int(p["number"]): p for p in upload["parts"]}
    # Out of order, two at once; then part 2's connection drops halfway.
    client.upload_parts({**upload, "parts": [parts[4], parts[1]]}, large_photo, parallel=2)
    dropped_midway(parts[2]["url"], parts[2]["headers"], large_photo[8 * MIB : 16 * MIB])

    # The app restarts knowing only the job id: what does S3 hold?
    resumed = client.request("GET", f"/v1/jobs/{job_id}/upload", 200).json()
    assert sorted(p["number"] for p in resumed["received"]) == [1, 4]
    early = client.request(
        "POST",
        f"/v1/jobs/{job_id}/upload/complete",
        json={"parts": [{"number": p["number"], "etag": p["etag"]} for p in resumed["received"]]},
    )
    assert early.status_code == 400 and error_code(early) == "UPLOAD_INCOMPLETE"
    assert "2, 3, 5" in early.json()["error"]["message"]
    assert client.resume_upload(job_id, large_photo) == 3
    job = client.wait_for_job(job_id, timeout=120)
    assert job["status"] == "COMPLETED", job.get("error")
    assert {o["name"] for o in job["outputs"]} == {"thumbnail", "medium", "large"}
    assert job["analysis"]["width"] == 3650
    again = client.request("POST", f"/v1/jobs/{job_id}/upload/complete", json={"parts": [{"number": 1, "etag": "x"}]})
    assert again.status_code == 200  # a second complete is harmless


def test_a_part_longer_than_signed_is_refused_by_s3(client: PhotopipeClient) -> None:
    created = client.create_job("image/jpeg", 6 * MIB, multipart=True)
    part = created["upload"]["parts"][0]
    longer = requests.put(part["url"], data=bytes(6 * MIB + 10), headers=part["headers"], timeout=60)
    assert longer.status_code in (400, 403), longer.status_code
    held = client.request("GET", f"/v1/jobs/{created['jobId']}/upload", 200).json()
    assert held["received"] == []


def test_sizes_past_the_limits_are_refused(client: PhotopipeClient) -> None:
    body = {"contentType": "image/jpeg", "contentLength": 60 * MIB}
    single = client.request("POST", "/v1/jobs", json=body)
    assert single.status_code == 413 and "multipart" in single.json()["error"]["message"]
    assert (
        client.request("POST", "/v1/jobs", 201, json={**body, "multipart": True}).json()["upload"]["type"]
        == "multipart"
    )
    huge = client.request("POST", "/v1/jobs", json={**body, "contentLength": 201 * MIB, "multipart": True})
    assert huge.status_code == 413


def test_an_abandoned_upload_in_parts_is_aborted_and_its_job_fails_once_swept(
    client: PhotopipeClient, stack: Stack
) -> None:
    created = client.create_job("image/jpeg", 9 * MIB, multipart=True)
    job_id = created["jobId"]
    client.upload_parts({**created["upload"], "parts": created["upload"]["parts"][:1]}, bytes(9 * MIB))
    # The upload's window (24 h) passed: its creation set back, as the sweeper's clock would see it.
    long_ago = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    stack.client("dynamodb").update_item(
        TableName=stack["jobs_table_name"],
        Key={"jobId": {"S": job_id}},
        UpdateExpression="SET updatedAt = :old",
        ExpressionAttributeValues={":old": {"S": long_ago}},
    )
    job = wait_until(
        lambda: (sweep(stack), client.get_job(job_id))[1], lambda j: j["status"] == "FAILED", 60, "the sweep"
    )
    assert job["error"]["code"] == "UPLOAD_ABANDONED"
    complete = client.request(
        "POST", f"/v1/jobs/{job_id}/upload/complete", json={"parts": [{"number": 1, "etag": "x"}]}
    )
    assert complete.status_code == 400 and error_code(complete) == "UPLOAD_INCOMPLETE"  # the parts are gone
