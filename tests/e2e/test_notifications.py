"""Every device of the user hears once per finished job; webhooks are signed."""

from __future__ import annotations

from client import PhotopipeClient, wait_until
from conftest import wait_drained
from images import photo
from stack import Stack
from webhook_receiver import WebhookReceiver


def test_each_device_gets_one_delivery_per_finished_job(client: PhotopipeClient, stack: Stack) -> None:
    with WebhookReceiver() as receiver:
        hook = client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()}).json()
        ios = client.request("POST", "/v1/devices", 201, json={"platform": "ios", "token": "apns-e2e-token-1"}).json()
        completed = client.submit(photo(500, 300), "image/jpeg")
        failed = client.submit(b"not an image", "image/png")
        for job_id, status in [(completed, "COMPLETED"), (failed, "FAILED")]:
            job = client.wait_for_job(job_id, done=lambda j: len(j["notifications"]) == 2)
            assert job["status"] == status
            by_device = {n["deviceId"]: n for n in job["notifications"]}
            assert by_device[hook["deviceId"]]["simulated"] is False
            assert by_device[ios["deviceId"]]["simulated"] is True
            assert {n["status"] for n in job["notifications"]} == {"DELIVERED"}
        wait_drained(stack, "jobs_queue_url", "notify_queue_url")
        posts = wait_until(lambda: receiver.for_path("/hook"), lambda r: len(r) >= 2, 30, "two webhook posts")
        assert sorted(p.event["jobId"] for p in posts) == sorted([completed, failed])
        assert all(p.signature_valid(hook["signingSecret"]) for p in posts)
        assert {p.event["status"] for p in posts} == {"COMPLETED", "FAILED"}
