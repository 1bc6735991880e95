"""A job whose worker process died on its last attempt ends FAILED, announced, by the sweeper."""

from __future__ import annotations

import json
from typing import Any

from devkit.client import PhotopipeClient, wait_until
from devkit.stack import Stack
from devkit.webhook_receiver import WebhookReceiver
from photopipe.adapters.dynamodb_jobs import DynamoJobRepository
from photopipe.jobs.model import JobStatus

# Long before any stall limit: the sweeper's own clock decides, as on a schedule.
LONG_AGO = "2020-01-01T00:00:00.000Z"


def sweep(stack: Stack) -> dict[str, Any]:
    response = stack.client("lambda").invoke(FunctionName=stack["function_names"]["sweeper"], Payload=b"{}")
    result: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, result
    return result


def test_the_sweeper_fails_a_job_left_processing_and_announces_it(client: PhotopipeClient, stack: Stack) -> None:
    jobs = DynamoJobRepository(stack.client("dynamodb"), stack["jobs_table_name"])
    with WebhookReceiver() as receiver:
        client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()})
        stalled = client.create_job("image/jpeg", 1000)["jobId"]
        running = client.create_job("image/jpeg", 1000)["jobId"]
        # Claimed as a worker does, then nothing: the process died before it could say so.
        jobs.claim(stalled, client.user_id, "dead-delivery", LONG_AGO)
        jobs.claim(running, client.user_id, "live-delivery", "2999-01-01T00:00:00.000Z")  # touched "just now"

        # Until the jobs queue has no backlog (earlier tests' messages), the sweeper fails nothing.
        # The deployed schedule (every 5 minutes) may sweep first: the job's state is what counts.
        def swept() -> dict[str, Any]:
            assert running not in sweep(stack)["abandoned"]
            return client.get_job(stalled)

        job = wait_until(swept, lambda j: j["status"] == "FAILED", 60, "the sweep failing it")
        assert job["error"]["code"] == "PROCESSING_ABANDONED"
        assert client.get_job(running)["status"] == "PROCESSING"
        posts = wait_until(lambda: receiver.for_path("/hook"), bool, 30, f"the webhook for {stalled}")
        assert [(p.event["jobId"], p.event["errorCode"]) for p in posts] == [(stalled, "PROCESSING_ABANDONED")]


def test_the_sweeper_publishes_an_event_sns_refused_on_every_try(client: PhotopipeClient, stack: Stack) -> None:
    # What an SNS outage through all of a job's deliveries leaves: COMPLETED, its event pending.
    jobs = DynamoJobRepository(stack.client("dynamodb"), stack["jobs_table_name"])
    with WebhookReceiver() as receiver:
        client.request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url()})
        job_id = client.create_job("image/jpeg", 1000)["jobId"]
        jobs.claim(job_id, client.user_id, "delivery", LONG_AGO)
        jobs.finish(job_id, "delivery", JobStatus.COMPLETED, LONG_AGO, [], None, None, 5)

        # Published by this sweep or by the scheduled one: the webhook arriving is what counts.
        def published() -> list[Any]:
            result = sweep(stack)
            assert job_id not in result["skipped"], result
            return receiver.for_path("/hook")

        posts = wait_until(published, bool, 60, f"the sweep publishing {job_id}")
        assert [(p.event["jobId"], p.event["status"]) for p in posts] == [(job_id, "COMPLETED")]
        assert job_id not in sweep(stack)["published"]  # published once


def test_a_job_whose_photo_never_came_ends_upload_abandoned(client: PhotopipeClient, stack: Stack) -> None:
    job_id = client.create_job("image/jpeg", 1000)["jobId"]
    # Created long ago, as far as the table says: past the upload window and the grace.
    stack.client("dynamodb").update_item(
        TableName=stack["jobs_table_name"],
        Key={"jobId": {"S": job_id}},
        UpdateExpression="SET updatedAt = :long_ago",
        ExpressionAttributeValues={":long_ago": {"S": LONG_AGO}},
    )

    def swept() -> dict[str, Any]:
        sweep(stack)
        return client.get_job(job_id)

    job = wait_until(swept, lambda j: j["status"] == "FAILED", 60, "the sweep ending it")
    assert job["error"]["code"] == "UPLOAD_ABANDONED", job["error"]
