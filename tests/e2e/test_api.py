"""The v1 contract through the deployed API Gateway, as a mobile client calls it."""

from __future__ import annotations

import requests

from devkit import build_lambdas
from devkit.client import PhotopipeClient
from devkit.stack import Stack
from photopipe.auth import tokens
from tests.support.images import photo
from tests.support.stack_queues import fetch, wait_drained


def test_health_is_public_and_names_the_build_of_these_sources(stack: Stack) -> None:
    response = requests.get(f"{stack.api_base_url}/v1/health", timeout=10)
    # The stack runs the code zip built from the checkout under test, not an older deploy.
    assert (response.status_code, response.json()) == (200, {"status": "ok", "build": build_lambdas.code_build_id()})


def test_every_bad_token_is_a_401(stack: Stack) -> None:
    url = f"{stack.api_base_url}/v1/jobs"
    for header in [
        None,
        "Bearer nope",
        f"Bearer {tokens.issue('alice', 'not-the-secret')}",
        f"Bearer {tokens.issue('alice', stack.auth_secret, ttl_seconds=-600)}",
    ]:
        response = requests.get(url, headers={"Authorization": header} if header else {}, timeout=10)
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_bad_bodies_get_4xx_with_stable_codes(client: PhotopipeClient) -> None:
    cases = [
        ({"contentType": "image/jpeg", "contentLength": 10**10}, 413, "PAYLOAD_TOO_LARGE"),
        ({"contentType": "text/plain", "contentLength": 10}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ({"contentLength": 10}, 400, "INVALID_REQUEST"),
    ]
    for body, status, code in cases:
        response = client.request("POST", "/v1/jobs", json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_another_users_job_is_not_found(client: PhotopipeClient, client_for) -> None:  # type: ignore[no-untyped-def]
    job_id = client.create_job("image/jpeg", 100)["jobId"]
    other = client_for("someone-else")
    assert other.request("GET", f"/v1/jobs/{job_id}").status_code == 404
    assert other.request("DELETE", f"/v1/jobs/{job_id}").status_code == 404
    assert client.request("GET", f"/v1/jobs/{job_id}").status_code == 200


def test_s3_itself_rejects_a_body_of_another_length_or_type(client: PhotopipeClient) -> None:
    data = photo(64, 64)
    slot = client.create_job("image/jpeg", len(data))["upload"]
    longer = requests.put(
        slot["url"], data=data + b"extra", headers={**slot["headers"], "Content-Length": str(len(data) + 5)}, timeout=10
    )
    assert longer.status_code in (400, 403)
    other_type = requests.put(
        slot["url"], data=data, headers={**slot["headers"], "Content-Type": "image/png"}, timeout=10
    )
    assert other_type.status_code == 403


def test_an_upload_slot_is_single_use(client: PhotopipeClient) -> None:
    # A client repeating its PUT (the URL lives 15 minutes) must not make a second S3 event.
    data = photo(64, 64)
    slot = client.create_job("image/jpeg", len(data))["upload"]
    assert requests.put(slot["url"], data=data, headers=slot["headers"], timeout=10).status_code == 200
    again = requests.put(slot["url"], data=data, headers=slot["headers"], timeout=10)
    assert again.status_code == 412, again.text[:300]
    without = {k: v for k, v in slot["headers"].items() if k != "If-None-Match"}
    assert requests.put(slot["url"], data=data, headers=without, timeout=10).status_code == 403  # it is signed


def test_list_paginates_newest_first(client: PhotopipeClient) -> None:
    created = [client.create_job("image/png", 10)["jobId"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.request("GET", "/v1/jobs", 200, params=params).json()
        seen += [j["jobId"] for j in page["jobs"]]
        cursor = page.get("nextCursor")
        if not cursor:
            break
    assert seen == list(reversed(created))


def test_delete_removes_the_job_and_its_objects(client: PhotopipeClient, stack: Stack) -> None:
    job_id = client.submit(photo(800, 600), "image/jpeg")
    job = client.wait_for_job(job_id)
    assert job["status"] == "COMPLETED"
    fetch(job["outputs"][0]["url"])
    wait_drained(stack, "notify_queue_url")
    assert client.request("DELETE", f"/v1/jobs/{job_id}").status_code == 204
    assert client.request("GET", f"/v1/jobs/{job_id}").status_code == 404
    s3 = stack.client("s3")
    for bucket, prefix in [("uploads_bucket_name", "incoming/"), ("results_bucket_name", "results/")]:
        listed = s3.list_objects_v2(Bucket=stack[bucket], Prefix=f"{prefix}{client.user_id}/{job_id}/")
        assert listed.get("KeyCount", 0) == 0, listed.get("Contents")
