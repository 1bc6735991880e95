"""Every device of the user hears once per finished job; webhooks are signed."""

from __future__ import annotations

import json
from typing import Any

from devkit.client import PhotopipeClient, wait_until
from devkit.stack import Stack
from devkit.webhook_receiver import WebhookReceiver
from tests.support.images import photo
from tests.support.stack_queues import queue_depth, wait_drained


def test_each_device_gets_one_delivery_per_finished_job(client: PhotopipeClient, stack: Stack) -> None:
    with WebhookReceiver() as receiver:
        hook = client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()}).json()
        ios = client.request("POST", "/v1/devices", 201, json={"platform": "ios", "token": "apns-e2e-token-1"}).json()
        completed = client.submit(photo(500, 300), "image/jpeg")
        failed = client.submit(b"not an image", "image/png")
        for job_id, status in [(completed, "COMPLETED"), (failed, "FAILED")]:
            # A delivery is recorded SENDING before the send and DELIVERED after it: wait for both ends.
            job = client.wait_for_job(job_id, done=both_devices_done)
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
        by_job = {p.event["jobId"]: p.event for p in posts}
        # The placeholder arrives with the event, before the app fetches a single variant.
        assert by_job[completed]["placeholder"] == client.get_job(completed)["analysis"]["placeholder"]
        assert "placeholder" not in by_job[failed]


def test_a_redelivered_job_event_notifies_each_device_once(client: PhotopipeClient, stack: Stack) -> None:
    with WebhookReceiver() as receiver:
        client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()})
        client.request("POST", "/v1/devices", 201, json={"platform": "android", "token": "fcm-e2e-token-1"})
        job_id = client.submit(photo(300, 200), "image/jpeg")
        job = client.wait_for_job(job_id, done=lambda j: len(j["notifications"]) == 2)
        event = {
            "eventType": "JobCompleted",
            "jobId": job_id,
            "userId": posts_user(receiver, job_id),
            "status": "COMPLETED",
            "occurredAt": job["updatedAt"],
            "outputs": [],
        }
        for _ in range(2):  # the same event, delivered twice more
            stack.client("sqs").send_message(QueueUrl=stack["notify_queue_url"], MessageBody=json.dumps(event))
        wait_drained(stack, "notify_queue_url")
        assert len(receiver.for_path("/hook")) == 1
        assert len(client.get_job(job_id)["notifications"]) == 2


def both_devices_done(job: dict[str, Any]) -> bool:
    return len(job["notifications"]) == 2 and all(n["status"] != "SENDING" for n in job["notifications"])


def posts_user(receiver: WebhookReceiver, job_id: str) -> str:
    post = wait_until(lambda: receiver.for_path("/hook"), bool, 30, f"webhook for {job_id}")[0]
    return str(post.event["userId"])


def test_a_failing_webhook_is_retried_then_dead_lettered_and_410_unregisters(
    client: PhotopipeClient, stack: Stack
) -> None:
    with WebhookReceiver(statuses={"/broken": 500, "/gone": 410}) as receiver:
        broken = client.request(
            "POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url("/broken")}
        ).json()
        client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url("/gone")})
        dlq_before = queue_depth(stack, "notify_dlq_url")["ApproximateNumberOfMessages"]
        job_id = client.submit(photo(300, 200), "image/jpeg")
        # 410: the device is unregistered at the first answer.
        wait_until(
            lambda: client.request("GET", "/v1/devices", 200).json()["devices"],
            lambda devices: [d["deviceId"] for d in devices] == [broken["deviceId"]],
            60,
            "410 unregisters",
        )
        # 500: every delivery of the event tries again, then the event lands in the notify DLQ.
        wait_until(
            lambda: queue_depth(stack, "notify_dlq_url")["ApproximateNumberOfMessages"],
            lambda depth: depth > dlq_before,
            90,
            "event in the notify DLQ",
        )
        assert len(receiver.for_path("/broken")) == 3  # maxReceiveCount deliveries
        assert len(receiver.for_path("/gone")) == 1
        job = client.get_job(job_id)
        assert job["status"] == "COMPLETED"  # the job itself stays readable and finished
