"""Burst and chaos: N uploads with duplicates, hostile images, injected faults and failing webhooks.

`make chaos N=500` (default size in `make test`: CHAOS_N=40). CHAOS_RESTART=1 also stops the
emulator mid-run and starts it again (`make down && make up`) before the accounting check.
Afterwards the accounting reads DynamoDB, S3 and the queues and proves that nothing was lost,
done twice, or left hanging.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from PIL import Image

from client import PhotopipeClient, wait_until
from conftest import wait_drained
from events import s3_notification
from images import encode, photo, png_header_only
from stack import ROOT, Stack
from webhook_receiver import WebhookReceiver

N = int(os.environ.get("CHAOS_N", "40"))
RESTART = os.environ.get("CHAOS_RESTART") == "1"
SEED = int(os.environ.get("CHAOS_SEED", "20261129"))

HOSTILE = {
    "NOT_AN_IMAGE": (b"GIF? no: plain text pretending", "image/gif"),
    "TRUNCATED_IMAGE": (photo(800, 600)[:2500], "image/jpeg"),
    "DECOMPRESSION_BOMB": (png_header_only(40_000, 40_000), "image/png"),
    "CONTENT_TYPE_MISMATCH": (encode(Image.new("RGB", (50, 50)), "PNG"), "image/webp"),
    "EMPTY_FILE": (b"", "image/jpeg"),
}


@dataclass
class Planned:
    kind: str  # ok | duplicate | hostile | transient | abandoned
    user: str
    data: bytes
    content_type: str
    operations: dict[str, Any] = field(default_factory=dict)
    expected_code: str | None = None
    job_id: str = ""


def plan(rng: random.Random, users: list[str]) -> list[Planned]:
    good = photo(640, 480)
    planned = []
    for index in range(N):
        user = users[index % len(users)]
        roll = rng.random()
        if roll < 0.15:
            code = rng.choice(sorted(HOSTILE))
            data, content_type = HOSTILE[code]
            planned.append(Planned("hostile", user, data, content_type, expected_code=code))
        elif roll < 0.30:
            planned.append(Planned("duplicate", user, good, "image/jpeg"))
        elif roll < 0.40:
            planned.append(Planned("transient", user, good, "image/jpeg", {"injectTransientFailures": 1}))
        elif roll < 0.45:
            planned.append(
                Planned(
                    "abandoned",
                    user,
                    good,
                    "image/jpeg",
                    {"injectTransientFailures": 9},
                    expected_code="PROCESSING_ABANDONED",
                )
            )
        else:
            planned.append(Planned("ok", user, good, "image/jpeg"))
    return planned


def submit(client: PhotopipeClient, stack: Stack, item: Planned) -> None:
    body: dict[str, Any] = {"contentType": item.content_type, "contentLength": max(1, len(item.data))}
    if item.operations:
        body["operations"] = item.operations
    created = client.request("POST", "/v1/jobs", 201, json=body).json()
    item.job_id = created["jobId"]
    if item.data:
        client.upload(created["upload"], item.data).raise_for_status()
    else:
        # S3 refuses a zero-length body against a slot signed for 1 byte; an empty object put
        # directly stands for the phone that uploaded nothing.
        stack.client("s3").put_object(
            Bucket=stack["uploads_bucket_name"], Key=f"incoming/{item.user}/{item.job_id}/original", Body=b""
        )
    if item.kind == "duplicate":
        duplicate = s3_notification(
            stack["uploads_bucket_name"], f"incoming/{item.user}/{item.job_id}/original", len(item.data), "dup"
        )
        stack.client("sqs").send_message(QueueUrl=stack["jobs_queue_url"], MessageBody=duplicate)


def dlq_bodies(stack: Stack, url_output: str) -> list[str]:
    """Every body in a DLQ, left in place: each read hides its batch so the next receive gets
    others, and the visibility is reset afterwards so a redrive still finds them."""
    sqs, bodies, handles = stack.client("sqs"), [], []
    while True:
        response = sqs.receive_message(
            QueueUrl=stack[url_output], MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
        )
        messages = response.get("Messages", [])
        if not messages:
            break
        bodies += [m["Body"] for m in messages]
        handles += [m["ReceiptHandle"] for m in messages]
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=stack[url_output], ReceiptHandle=handle, VisibilityTimeout=0)
    return bodies


def restart_emulator() -> None:
    env = {**os.environ}
    subprocess.run(["make", "--no-print-directory", "down"], cwd=ROOT, check=True, env=env)  # noqa: S607
    subprocess.run(["make", "--no-print-directory", "up"], cwd=ROOT, check=True, env=env)  # noqa: S607


@pytest.mark.timeout(1800)  # bounded by its own deadlines, which grow with N and a restart
def test_burst_with_chaos_loses_nothing_and_does_nothing_twice(stack: Stack) -> None:
    rng = random.Random(SEED)
    run = uuid.uuid4().hex[:6]
    users = [f"chaos-{run}-{i}" for i in range(max(2, N // 25))]
    failing_users = set(users[: max(1, len(users) // 4)])
    started = time.monotonic()
    with WebhookReceiver(statuses={f"/hook/{u}": 500 for u in failing_users}) as receiver:
        clients = {u: PhotopipeClient.for_user(stack, u) for u in users}
        for user, client in clients.items():
            client.request(
                "POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url(f"/hook/{user}")}
            )
        planned = plan(rng, users)
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda item: submit(clients[item.user], stack, item), planned))
        if RESTART:
            restart_emulator()

        finished: set[str] = set()

        def unfinished() -> list[str]:
            for item in planned:  # only the jobs not yet seen finished are asked again
                if item.job_id in finished:
                    continue
                if clients[item.user].get_job(item.job_id)["status"] in ("COMPLETED", "FAILED"):
                    finished.add(item.job_id)
            return [item.job_id for item in planned if item.job_id not in finished]

        deadline = 120 + N
        if RESTART:
            # Messages a worker held when the emulator stopped come back after the queue's
            # visibility timeout: that much longer, and no more.
            attributes = stack.client("sqs").get_queue_attributes(
                QueueUrl=stack["jobs_queue_url"], AttributeNames=["VisibilityTimeout"]
            )["Attributes"]
            deadline += int(attributes["VisibilityTimeout"])
        wait_until(unfinished, lambda left: not left, deadline, "every job terminal", interval=1)
        wait_drained(stack, "jobs_queue_url", "notify_queue_url", timeout=deadline)
        elapsed = time.monotonic() - started

        jobs = {item.job_id: clients[item.user].get_job(item.job_id) for item in planned}
        s3 = stack.client("s3")
        problems: list[str] = []
        for item in planned:
            job = jobs[item.job_id]
            history = [h["status"] for h in job["statusHistory"]]
            if history not in (["PENDING_UPLOAD", "PROCESSING", job["status"]], ["PENDING_UPLOAD", job["status"]]):
                problems.append(f"{item.kind} {item.job_id}: history {history}")
            if item.expected_code:
                if (job["status"], (job.get("error") or {}).get("code")) != ("FAILED", item.expected_code):
                    problems.append(f"{item.kind} {item.job_id}: {job['status']} {job.get('error')}")
            elif job["status"] != "COMPLETED":
                problems.append(f"{item.kind} {item.job_id}: {job['status']} {job.get('error')}")
            if job["status"] == "COMPLETED":
                if {o["name"] for o in job["outputs"]} != {"thumbnail", "medium", "large"}:
                    problems.append(f"{item.job_id}: outputs {[o['name'] for o in job['outputs']]}")
                for output in job["outputs"]:
                    key = f"results/{item.user}/{item.job_id}/{output['name']}.jpg"
                    if s3.head_object(Bucket=stack["results_bucket_name"], Key=key)["ContentLength"] != output["bytes"]:
                        problems.append(f"{item.job_id}: {key} differs from the job record")
            if item.kind == "hostile" and job["attempts"] != 1:
                problems.append(f"hostile {item.job_id} was attempted {job['attempts']} times")

        # Notifications: exactly one per (job, healthy device); failing webhooks end in the DLQ.
        deliveries = Counter((r.path, r.event["jobId"]) for r in receiver.received)
        for item in planned:
            path = f"/hook/{item.user}"
            count = deliveries[(path, item.job_id)]
            if item.user not in failing_users and count != 1:
                problems.append(f"{item.job_id}: {count} deliveries to a healthy webhook")
            # A restart can end a delivery between its receive and its POST: then fewer, never more.
            expected_attempts = range(1, 4) if RESTART else range(3, 4)
            if item.user in failing_users and count not in expected_attempts:
                problems.append(f"{item.job_id}: {count} attempts at a failing webhook (max_receive_count is 3)")

        # A message moves to its DLQ on the receive after its last failure, which an emptied
        # queue may not show yet: poll for the expected dead letters instead of one snapshot.
        def dead_jobs_now() -> set[str]:
            bodies = [json.loads(body) for body in dlq_bodies(stack, "jobs_dlq_url")]
            return {r["s3"]["object"]["key"].split("/")[2] for body in bodies for r in body.get("Records", [])}

        abandoned = {item.job_id for item in planned if item.kind == "abandoned"}
        dead_jobs = wait_until(
            dead_jobs_now, lambda dead: abandoned <= dead, 60, "abandoned jobs in the jobs DLQ", interval=1
        )
        for item in planned:
            in_dlq = item.job_id in dead_jobs
            if item.kind == "abandoned" and not in_dlq:
                problems.append(f"abandoned {item.job_id} is not in the jobs DLQ")
            if item.kind != "abandoned" and in_dlq:
                problems.append(f"{item.kind} {item.job_id} reached the jobs DLQ")
        failing_jobs = {item.job_id for item in planned if item.user in failing_users}
        notify_dlq = wait_until(
            lambda: {json.loads(body)["jobId"] for body in dlq_bodies(stack, "notify_dlq_url")},
            lambda dead: failing_jobs <= dead,
            60,
            "failing webhooks' events in the notify DLQ",
            interval=1,
        )
        for item in planned:
            if (item.job_id in notify_dlq) != (item.user in failing_users):
                problems.append(f"{item.job_id}: in notify DLQ = {item.job_id in notify_dlq}")

    kinds = Counter(item.kind for item in planned)
    statuses = Counter(jobs[i.job_id]["status"] for i in planned)
    print(
        f"\nchaos N={N} seed={SEED} restart={RESTART}: {dict(kinds)} -> {dict(statuses)}; "
        f"{len(receiver.received)} webhook posts; jobs DLQ +{len(dead_jobs & set(jobs))}, "
        f"notify DLQ +{len(notify_dlq & set(jobs))}; {elapsed:.1f}s; problems: {len(problems)}"
    )
    assert not problems, "\n".join(problems[:50])
