"""Per-user limits through the running stack: one user's flood is refused, nobody else's work is."""

from __future__ import annotations

import uuid

from devkit.client import PhotopipeClient
from devkit.stack import Stack
from tests.support.images import photo


def test_a_flood_of_job_creations_meets_429_while_another_users_photo_completes(stack: Stack) -> None:
    rate = int(stack["job_limits"]["jobs_per_user_minute"])
    flooder = PhotopipeClient.for_user(stack, f"flood-{uuid.uuid4().hex[:8]}")
    bystander = PhotopipeClient.for_user(stack, f"bystander-{uuid.uuid4().hex[:8]}")
    limited = None
    # Twice the rate and one: enough to meet the limit even if a minute boundary passes meanwhile.
    # Each job is deleted at once, so the flood meets the rate, not the jobs-in-flight limit.
    for _ in range(2 * rate + 1):
        answer = flooder.request("POST", "/v1/jobs", json={"contentType": "image/jpeg", "contentLength": 1000})
        if answer.status_code != 201:
            limited = answer
            break
        flooder.request("DELETE", f"/v1/jobs/{answer.json()['jobId']}", 204)
    assert limited is not None, f"{2 * rate + 1} job creations in a row were all accepted"
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "RATE_LIMITED", limited.text
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    job = bystander.wait_for_job(bystander.submit(photo(640, 480), "image/jpeg"))
    assert job["status"] == "COMPLETED", job.get("error")


def test_jobs_in_flight_past_the_limit_meet_429_until_one_ends_or_is_deleted(stack: Stack) -> None:
    limit = int(stack["job_limits"]["jobs_in_flight_per_user"])
    assert limit + 3 <= int(stack["job_limits"]["jobs_per_user_minute"]), "the rate would answer first"
    client = PhotopipeClient.for_user(stack, f"in-flight-{uuid.uuid4().hex[:8]}")
    body = {"contentType": "image/jpeg", "contentLength": 1000}
    finished = client.wait_for_job(client.submit(photo(64, 48), "image/jpeg"))
    assert finished["status"] == "COMPLETED", finished.get("error")
    waiting = [client.request("POST", "/v1/jobs", 201, json=body).json()["jobId"] for _ in range(limit - 1)]
    # Every place is held (the finished job's too, until a creation finds the set full): this
    # creation gives the finished job's place back and takes it.
    client.request("POST", "/v1/jobs", 201, json=body)
    refused = client.request("POST", "/v1/jobs", json=body)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "QUOTA_EXCEEDED", refused.text
    assert f"{limit} jobs may be in flight" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) == 30
    other = PhotopipeClient.for_user(stack, f"in-flight-other-{uuid.uuid4().hex[:8]}")
    other.request("POST", "/v1/jobs", 201, json=body)  # nobody else is held back
    client.request("DELETE", f"/v1/jobs/{waiting[0]}", 204)
    client.request("POST", "/v1/jobs", 201, json=body)  # a deleted job's place, given back at once


def test_declared_bytes_past_the_daily_quota_are_refused(stack: Stack) -> None:
    quota = int(stack["job_limits"]["upload_bytes_per_user_day"])
    client = PhotopipeClient.for_user(stack, f"quota-{uuid.uuid4().hex[:8]}")
    size = 50 * 1024 * 1024  # the single-PUT limit: a real client could declare this much each time
    answers = [
        client.request("POST", "/v1/jobs", json={"contentType": "image/jpeg", "contentLength": size})
        for _ in range(quota // size + 1)
    ]
    assert [a.status_code for a in answers[:-1]] == [201] * (quota // size)
    refused = answers[-1]
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "QUOTA_EXCEEDED", refused.text
    assert int(refused.headers["Retry-After"]) >= 1


def test_sixty_racing_device_registrations_leave_at_most_the_cap(stack: Stack) -> None:
    import concurrent.futures

    client = PhotopipeClient.for_user(stack, f"devices-{uuid.uuid4().hex[:8]}")

    def register(n: int) -> int:
        body = {"platform": "ios", "token": f"apns-token-{n:06d}"}
        return client.request("POST", "/v1/devices", json=body).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(register, range(60)))
    devices = client.request("GET", "/v1/devices", 200).json()["devices"]
    assert len(devices) <= 20 and statuses.count(201) == len(devices), (statuses, len(devices))
    assert set(statuses) <= {201, 409}
