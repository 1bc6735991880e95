"""Burst and chaos: N uploads with duplicates, hostile images, injected faults and failing webhooks,
and a noisy-neighbour share: memory-heavy images, edit chains at the limit, repeated PUTs of one
slot, and a tenant whose webhooks are slow-loris endpoints. The victims' delivery lag is printed.

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
from datetime import datetime
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


# The longest chain the API accepts, on a small photo: it completes.
EDIT_CHAIN = [
    {"op": "watermark", "text": "(c) noisy"},
    {"op": "autocontrast", "cutoff": 1},
    {"op": "sharpen", "percent": 300},
    {"op": "blur", "radius": 3},
    {"op": "rotate", "degrees": 90},
    {"op": "flip", "direction": "vertical"},
    {"op": "grayscale"},
    {"op": "rotate", "degrees": 15},
    {"op": "crop", "left": 0, "top": 0, "width": 300, "height": 300},
    {"op": "resize", "width": 200, "height": 200},
]
# Six 45-degree turns of a 4 MP photo would make 256 MP: refused before decoding.
ROTATION_BOMB = [{"op": "rotate", "degrees": 45}] * 6
# The noisy tenant's dead-end webhooks; CHAOS_SLOW_LORIS=0 runs without it, for the victims'
# baseline delivery lag.
SLOW_LORIS_DEVICES = int(os.environ.get("CHAOS_SLOW_LORIS", "4"))


def rgba_png(side: int) -> bytes:
    """A flat RGBA square: a few hundred KB on the wire, side x side x 4 bytes decoded."""
    return encode(Image.new("RGBA", (side, side), (30, 90, 160, 255)), "PNG", compress_level=9)


@dataclass
class Planned:
    # ok | duplicate | hostile | transient | abandoned, and the noisy neighbour's:
    # heavy (64 MP RGBA + a watermark: over any worker's memory budget), large (25 MP RGBA PNG:
    # admitted), edit_chain, rotation_bomb, reput (the slot PUT twice), slowloris (a job of the
    # tenant whose webhooks dribble)
    kind: str
    user: str
    data: bytes
    content_type: str
    operations: dict[str, Any] = field(default_factory=dict)
    expected_code: str | None = None
    job_id: str = ""
    reput_status: int | None = None


def plan(rng: random.Random, users: list[str]) -> list[Planned]:
    good = photo(640, 480)
    heavy, large, four_mp = rgba_png(8000), rgba_png(5000), photo(2309, 1732)
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
        elif roll < 0.48:
            planned.append(Planned("edit_chain", user, good, "image/jpeg", {"edits": EDIT_CHAIN}))
        elif roll < 0.50:
            planned.append(
                Planned(
                    "rotation_bomb",
                    user,
                    four_mp,
                    "image/jpeg",
                    {"edits": ROTATION_BOMB},
                    expected_code="PIXEL_LIMIT_EXCEEDED",
                )
            )
        elif roll < 0.52:
            edits = {"edits": [{"op": "watermark", "text": "(c)"}]}
            planned.append(Planned("heavy", user, heavy, "image/png", edits, expected_code="MEMORY_LIMIT_EXCEEDED"))
        elif roll < 0.54:
            planned.append(Planned("large", user, large, "image/png"))
        elif roll < 0.60:
            planned.append(Planned("reput", user, good, "image/jpeg"))
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
        if item.kind == "reput":
            again = client.upload(created["upload"], item.data)
            item.reput_status = again.status_code  # 412: the slot is single-use
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


def finished_at(job: dict[str, Any]) -> float:
    moment = job["statusHistory"][-1]["at"]
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()


def first_post_at(receiver: WebhookReceiver, path: str, job_id: str) -> float:
    return min(r.at for r in receiver.received if r.path == path and r.event["jobId"] == job_id)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


SUBMITTERS = 8


def warm_api(client: PhotopipeClient) -> None:
    """Starts as many api processes as the burst submits with: chaos is not about cold starts,
    and here eight at once after a deploy take about 26 s each (MiniStack unpacks the 37 MiB
    layer for every new process), close to the client's 30 s timeout."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
        answers = list(
            pool.map(lambda _: client.session.get(f"{client.base_url}/v1/health", timeout=180), range(SUBMITTERS))
        )
    assert all(answer.status_code == 200 for answer in answers), [answer.status_code for answer in answers]


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
    # The noisy neighbour: its own jobs, and every one of its webhooks a slow-loris endpoint.
    noisy = f"chaos-{run}-noisy"
    loris_paths = {f"/loris/{noisy}/{n}" for n in range(SLOW_LORIS_DEVICES)}
    started = time.monotonic()
    with WebhookReceiver(statuses={f"/hook/{u}": 500 for u in failing_users}, dribble=loris_paths) as receiver:
        clients = {u: PhotopipeClient.for_user(stack, u) for u in [*users, noisy]}
        for user in users:
            clients[user].request(
                "POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url(f"/hook/{user}")}
            )
        for path in sorted(loris_paths):
            clients[noisy].request("POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url(path)})
        planned = plan(rng, users)
        good = photo(640, 480)
        # Interleaved with everyone else's, so its events share the notifier's batches.
        noisy_jobs = 2 + N // 100 if SLOW_LORIS_DEVICES else 0
        for index in range(noisy_jobs):
            planned.insert(index * len(planned) // noisy_jobs, Planned("slowloris", noisy, good, "image/jpeg"))
        warm_api(clients[noisy])
        with concurrent.futures.ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
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

        deadline = 180 + N
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
            if item.expected_code and item.kind != "abandoned" and job["attempts"] != 1:
                problems.append(f"{item.kind} {item.job_id} was attempted {job['attempts']} times")
            if item.kind == "reput" and item.reput_status != 412:
                problems.append(f"reput {item.job_id}: a second PUT of the slot answered {item.reput_status}")
            if item.kind == "reput" and job["attempts"] != 1:
                problems.append(f"reput {item.job_id} was attempted {job['attempts']} times")

        # Notifications: exactly one per (job, healthy device); failing webhooks end in the DLQ.
        deliveries = Counter((r.path, r.event["jobId"]) for r in receiver.received)
        for item in planned:
            if item.user == noisy:
                for path in loris_paths:  # every try ends at the sender's deadline, at most 3 of them
                    if deliveries[(path, item.job_id)] > 3:
                        problems.append(f"{item.job_id}: {deliveries[(path, item.job_id)]} tries at {path}")
                continue
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
        failing_jobs = {item.job_id for item in planned if item.user in failing_users or item.user == noisy}
        notify_dlq = wait_until(
            lambda: {json.loads(body)["jobId"] for body in dlq_bodies(stack, "notify_dlq_url")},
            lambda dead: failing_jobs <= dead,
            60,
            "failing webhooks' events in the notify DLQ",
            interval=1,
        )
        for item in planned:
            if (item.job_id in notify_dlq) != (item.job_id in failing_jobs):
                problems.append(f"{item.job_id}: in notify DLQ = {item.job_id in notify_dlq}")

        # The victims: healthy webhooks' first delivery after their job finished, while the
        # noisy tenant's slow-loris endpoints were being tried in the same notifier.
        lags = sorted(
            first_post_at(receiver, f"/hook/{item.user}", item.job_id) - finished_at(jobs[item.job_id])
            for item in planned
            if item.user not in failing_users and item.user != noisy
        )

    kinds = Counter(item.kind for item in planned)
    statuses = Counter(jobs[i.job_id]["status"] for i in planned)
    print(
        f"\nchaos N={N} seed={SEED} restart={RESTART}: {dict(kinds)} -> {dict(statuses)}; "
        f"{len(receiver.received)} webhook posts; jobs DLQ +{len(dead_jobs & set(jobs))}, "
        f"notify DLQ +{len(notify_dlq & set(jobs))}; {elapsed:.1f}s; problems: {len(problems)}; "
        f"victims' delivery lag with {SLOW_LORIS_DEVICES} slow-loris neighbour devices: "
        f"p50 {percentile(lags, 0.5):.2f}s p95 {percentile(lags, 0.95):.2f}s max {lags[-1]:.2f}s "
        f"over {len(lags)} deliveries"
    )
    assert not problems, "\n".join(problems[:50])
