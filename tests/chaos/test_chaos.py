"""Burst and chaos: N uploads with duplicates, hostile images, injected faults and failing webhooks,
and a noisy-neighbour share: memory-heavy images, edit chains at the limit, repeated PUTs of one
slot, uploads in parts whose connection drops mid-part and resumes, a tenant whose webhooks are
slow-loris endpoints, one that deletes its jobs mid-flight and one that floods the API; edits
asked of finished photos in the middle of it all, some replayed with their Idempotency-Key and
some delivered to the worker twice.
The victims' delivery lag is printed.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import pytest
import requests
from PIL import Image

from devkit.client import PhotopipeClient, wait_until
from devkit.stack import ROOT, Stack
from devkit.webhook_receiver import WebhookReceiver
from tests.support.events import s3_notification
from tests.support.images import encode, photo, png_header_only
from tests.support.stack_queues import wait_drained
from tests.support.uploads import dropped_midway

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
    # tenant whose webhooks dribble), parts (uploaded in parts, the second dropped midway, resumed)
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
    in_parts = good + bytes(9 * 1024 * 1024)  # two parts: a JPEG decodes past trailing bytes

    def hostile(user: str) -> Planned:
        code = rng.choice(sorted(HOSTILE))
        data, content_type = HOSTILE[code]
        return Planned("hostile", user, data, content_type, expected_code=code)

    watermark = {"edits": [{"op": "watermark", "text": "(c)"}]}
    # Each kind up to its share of the rolls (cumulative); "ok" takes the rest.
    kinds: list[tuple[float, Callable[[str], Planned]]] = [
        (0.15, hostile),
        (0.30, lambda user: Planned("duplicate", user, good, "image/jpeg")),
        (0.40, lambda user: Planned("transient", user, good, "image/jpeg", {"injectTransientFailures": 1})),
        (
            0.45,
            lambda user: Planned(
                "abandoned", user, good, "image/jpeg", {"injectTransientFailures": 9}, "PROCESSING_ABANDONED"
            ),
        ),
        (0.48, lambda user: Planned("edit_chain", user, good, "image/jpeg", {"edits": EDIT_CHAIN})),
        (
            0.50,
            lambda user: Planned(
                "rotation_bomb", user, four_mp, "image/jpeg", {"edits": ROTATION_BOMB}, "PIXEL_LIMIT_EXCEEDED"
            ),
        ),
        (0.52, lambda user: Planned("heavy", user, heavy, "image/png", watermark, "MEMORY_LIMIT_EXCEEDED")),
        (0.54, lambda user: Planned("large", user, large, "image/png")),
        (0.60, lambda user: Planned("reput", user, good, "image/jpeg")),
        (0.64, lambda user: Planned("parts", user, in_parts, "image/jpeg")),
        (1.00, lambda user: Planned("ok", user, good, "image/jpeg")),
    ]
    planned = []
    for index in range(N):
        roll = rng.random()
        make = next(make for share, make in kinds if roll < share)
        planned.append(make(users[index % len(users)]))
    return planned


@dataclass
class PlannedEdit:
    """An edit asked of a finished photo during the burst. `key`: sent twice with this
    Idempotency-Key (one edit); `requeued`: its message sent to the worker a second time."""

    user: str
    job_id: str
    edits: list[dict[str, Any]]
    key: str | None
    requeued: bool
    edit_id: str = ""
    replayed_id: str = ""


def edit_ops(stack: Stack) -> list[list[dict[str, Any]]]:
    ops = [[{"op": "grayscale"}], [{"op": "rotate", "degrees": 90}, {"op": "sharpen", "percent": 150}]]
    if stack["image_provider"] == "ondevice":
        ops.append([{"op": "redactFaces", "style": "pixelate"}])
    return ops


def plan_edits(
    rng: random.Random, stack: Stack, clients: dict[str, PhotopipeClient], users: list[str]
) -> list[PlannedEdit]:
    """Finished photos of the healthy users first (an edit needs a COMPLETED job), then the edits
    the burst will ask of them."""
    seeds = [
        (users[i % len(users)], clients[users[i % len(users)]].submit(photo(640, 480), "image/jpeg"))
        for i in range(max(2, N // 20))
    ]
    for user, job_id in seeds:
        assert clients[user].wait_for_job(job_id, timeout=120)["status"] == "COMPLETED"
    ops = edit_ops(stack)
    return [
        PlannedEdit(
            *rng.choice(seeds),
            rng.choice(ops),
            key=f"chaos-edit-{uuid.uuid4().hex[:8]}" if index % 3 == 0 else None,
            requeued=index % 4 == 1,
        )
        for index in range(max(4, N // 8))
    ]


def submit_edit(client: PhotopipeClient, stack: Stack, edit: PlannedEdit) -> None:
    edit.edit_id = client.request_edit(edit.job_id, edit.edits, idempotency_key=edit.key)
    if edit.key:
        edit.replayed_id = client.request_edit(edit.job_id, edit.edits, idempotency_key=edit.key)
    if edit.requeued:
        message = json.dumps({"editRequested": f"{edit.job_id}~{edit.edit_id}"})
        stack.client("sqs").send_message(QueueUrl=stack["jobs_queue_url"], MessageBody=message)


def edit_problems(
    clients: dict[str, PhotopipeClient], edits: list[PlannedEdit], receiver: WebhookReceiver
) -> list[str]:
    """Every edit COMPLETED with its outputs, once per replayed key, listed on its job, and
    announced exactly once to its user's healthy webhook."""
    problems = []
    for edit in edits:
        done = clients[edit.user].wait_for_edit(edit.job_id, edit.edit_id, timeout=180 + N)
        if done["status"] != "COMPLETED" or {o["name"] for o in done["outputs"]} != {"thumbnail", "medium", "large"}:
            problems.append(f"edit {edit.edit_id} of {edit.job_id}: {done['status']} {done.get('error')}")
        if edit.key and edit.replayed_id != edit.edit_id:
            problems.append(f"edit {edit.edit_id}: its Idempotency-Key replay made {edit.replayed_id}")
    for job_id in {edit.job_id for edit in edits}:
        user = next(edit.user for edit in edits if edit.job_id == job_id)
        listed = {
            e["editId"] for e in clients[user].request("GET", f"/v1/jobs/{job_id}/edits?limit=100", 200).json()["edits"]
        }
        asked = {edit.edit_id for edit in edits if edit.job_id == job_id}
        if listed != asked:
            problems.append(f"job {job_id}: edits listed {sorted(listed)}, asked {sorted(asked)}")
    posts = Counter((r.path, subject(r)) for r in receiver.received)
    problems += [
        f"edit {edit.edit_id}: {posts[(f'/hook/{edit.user}', f'{edit.job_id}~{edit.edit_id}')]} webhook posts"
        for edit in edits
        if posts[(f"/hook/{edit.user}", f"{edit.job_id}~{edit.edit_id}")] != 1
    ]
    return problems


# The flooding tenant's job creations, at once: past the local limits (60 a minute, 50 in flight).
FLOOD = 70


def flood(client: PhotopipeClient, answers: list[requests.Response]) -> None:
    """Job creations from one user as fast as it can: a limit answers 429 with Retry-After."""
    body = {"contentType": "image/jpeg", "contentLength": 1000}
    answers += [client.request("POST", "/v1/jobs", json=body) for _ in range(FLOOD)]


def flood_problems(answers: list[requests.Response]) -> list[str]:
    statuses = Counter(answer.status_code for answer in answers)
    limited = [a for a in answers if a.status_code == 429]
    problems = [f"flood: answers {dict(statuses)}"] if set(statuses) - {201, 429} or not limited else []
    problems += [
        f"flood: a 429 without Retry-After or a limit's code: {a.headers.get('Retry-After')} {a.text[:100]}"
        for a in limited
        if not a.headers.get("Retry-After") or a.json()["error"]["code"] not in {"RATE_LIMITED", "QUOTA_EXCEEDED"}
    ][:3]
    return problems


def submit_and_delete(client: PhotopipeClient, stack: Stack, item: Planned) -> None:
    """A photo uploaded, then its job deleted at once, mid-flight."""
    submit(client, stack, item)
    client.request("DELETE", f"/v1/jobs/{item.job_id}", 204)


def deletion_problems(stack: Stack, clients: dict[str, PhotopipeClient], deleted: list[Planned]) -> list[str]:
    """Once the queues are drained, a job deleted mid-flight is gone with every object of it."""
    s3, problems = stack.client("s3"), []
    for item in deleted:
        if clients[item.user].request("GET", f"/v1/jobs/{item.job_id}").status_code != 404:
            problems.append(f"deleted {item.job_id}: still readable")
        for bucket, prefix in (("uploads_bucket_name", "incoming"), ("results_bucket_name", "results")):
            left = s3.list_objects_v2(Bucket=stack[bucket], Prefix=f"{prefix}/{item.user}/{item.job_id}/")
            problems += [f"deleted {item.job_id}: {o['Key']} left" for o in left.get("Contents", [])]
    return problems


def subject(received: Any) -> str:
    """What a webhook post is about: a job, or one edit of it."""
    event = received.event
    return f"{event['jobId']}~{event['editId']}" if event.get("editId") else str(event["jobId"])


def submit(client: PhotopipeClient, stack: Stack, item: Planned) -> None:
    body: dict[str, Any] = {"contentType": item.content_type, "contentLength": max(1, len(item.data))}
    if item.operations:
        body["operations"] = item.operations
    if item.kind == "parts":
        body["multipart"] = True
    created = client.request("POST", "/v1/jobs", 201, json=body).json()
    item.job_id = created["jobId"]
    if item.kind == "parts":
        upload = created["upload"]
        client.upload_parts({**upload, "parts": upload["parts"][:1]}, item.data)
        second = upload["parts"][1]
        dropped_midway(second["url"], second["headers"], item.data[upload["partSize"] :])
        client.resume_upload(item.job_id, item.data)
        return
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
    return min(r.at for r in receiver.received if r.path == path and subject(r) == job_id)


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


@dataclass
class Tenants:
    """Who takes part: users whose webhooks answer, users whose webhooks fail, and the noisy
    neighbour whose webhooks are slow-loris endpoints."""

    users: list[str]
    failing: set[str]
    noisy: str
    loris_paths: set[str]

    @classmethod
    def for_run(cls, run: str) -> Tenants:
        users = [f"chaos-{run}-{i}" for i in range(max(2, N // 25))]
        noisy = f"chaos-{run}-noisy"
        return cls(
            users,
            set(users[: max(1, len(users) // 4)]),
            noisy,
            {f"/loris/{noisy}/{n}" for n in range(SLOW_LORIS_DEVICES)},
        )

    def register(self, clients: dict[str, PhotopipeClient], receiver: WebhookReceiver) -> None:
        for user in self.users:
            body = {"platform": "webhook", "url": receiver.url(f"/hook/{user}")}
            clients[user].request("POST", "/v1/devices", 201, json=body)
        for path in sorted(self.loris_paths):
            clients[self.noisy].request(
                "POST", "/v1/devices", 201, json={"platform": "webhook", "url": receiver.url(path)}
            )


def wait_until_every_job_is_terminal(stack: Stack, clients: dict[str, PhotopipeClient], planned: list[Planned]) -> None:
    finished: set[str] = set()

    def unfinished() -> list[str]:
        for item in planned:  # only the jobs not yet seen finished are asked again
            if item.job_id not in finished and clients[item.user].get_job(item.job_id)["status"] in (
                "COMPLETED",
                "FAILED",
            ):
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


def job_problems(stack: Stack, item: Planned, job: dict[str, Any]) -> list[str]:
    """One job's record against what its kind must end as: status, code, history, attempts,
    and every output in S3 as the record says."""
    problems = []
    history = [h["status"] for h in job["statusHistory"]]
    if history not in (["PENDING_UPLOAD", "PROCESSING", job["status"]], ["PENDING_UPLOAD", job["status"]]):
        problems.append(f"{item.kind} {item.job_id}: history {history}")
    expected = ("FAILED", item.expected_code) if item.expected_code else ("COMPLETED", None)
    if (job["status"], (job.get("error") or {}).get("code")) != expected:
        problems.append(f"{item.kind} {item.job_id}: {job['status']} {job.get('error')}")
    if job["status"] == "COMPLETED":
        problems += output_problems(stack, item, job)
    if ((item.expected_code and item.kind != "abandoned") or item.kind == "reput") and job["attempts"] != 1:
        problems.append(f"{item.kind} {item.job_id} was attempted {job['attempts']} times")
    if item.kind == "reput" and item.reput_status != 412:
        problems.append(f"reput {item.job_id}: a second PUT of the slot answered {item.reput_status}")
    return problems


def output_problems(stack: Stack, item: Planned, job: dict[str, Any]) -> list[str]:
    if {o["name"] for o in job["outputs"]} != {"thumbnail", "medium", "large"}:
        return [f"{item.job_id}: outputs {[o['name'] for o in job['outputs']]}"]
    s3, problems = stack.client("s3"), []
    for output in job["outputs"]:
        key = f"results/{item.user}/{item.job_id}/{output['name']}.jpg"
        if s3.head_object(Bucket=stack["results_bucket_name"], Key=key)["ContentLength"] != output["bytes"]:
            problems.append(f"{item.job_id}: {key} differs from the job record")
    return problems


def delivery_problems(
    tenants: Tenants, planned: list[Planned], receiver: WebhookReceiver, notify_copies: Counter[str]
) -> list[str]:
    """Exactly one notification per (job, healthy device); a failing webhook tried until its
    message dead-letters; a slow-loris one at most three times.

    Events are published at least once (the outbox repair may publish a finished job's event
    again): the ledger makes that invisible to healthy devices, but each copy of an event has
    its own three tries at a failing one. The notify DLQ holds every copy, so the tries are
    bounded by 3 per copy found there."""
    deliveries = Counter((r.path, subject(r)) for r in receiver.received)
    # Standard Webhooks: every try of one event at one device carries the same webhook-id.
    ids: dict[tuple[str, str], set[str]] = {}
    for r in receiver.received:
        ids.setdefault((r.path, subject(r)), set()).add(r.headers.get("webhook-id", ""))
    problems = []
    for item in planned:
        if item.user == tenants.noisy:
            problems += [
                f"{item.job_id}: {deliveries[(path, item.job_id)]} tries at {path}"
                for path in tenants.loris_paths  # each try ends at the sender's deadline
                if deliveries[(path, item.job_id)] > 3
            ]
            continue
        count = deliveries[(f"/hook/{item.user}", item.job_id)]
        if count and len(ids[(f"/hook/{item.user}", item.job_id)] - {""}) != 1:
            problems.append(f"{item.job_id}: webhook-ids {ids[(f'/hook/{item.user}', item.job_id)]} over {count} tries")
        if item.user not in tenants.failing and count != 1:
            problems.append(f"{item.job_id}: {count} deliveries to a healthy webhook")
        # A restart can end a delivery between its receive and its POST: then fewer, never more.
        copies = max(1, notify_copies[item.job_id])
        if item.user in tenants.failing and count not in range(1 if RESTART else 3, 3 * copies + 1):
            problems.append(
                f"{item.job_id}: {count} attempts at a failing webhook "
                f"(max_receive_count is 3; {copies} copies of its event in the notify DLQ)"
            )
    return problems


def dead_letter_problems(
    stack: Stack, tenants: Tenants, planned: list[Planned]
) -> tuple[list[str], set[str], Counter[str]]:
    """Abandoned jobs, and only they, in the jobs DLQ; the events of failing and slow-loris
    webhooks, and only they, in the notify DLQ. Returns the problems, the jobs DLQ's job ids
    and how many copies of each job's event the notify DLQ holds."""

    # A message moves to its DLQ on the receive after its last failure, which an emptied
    # queue may not show yet: poll for the expected dead letters instead of one snapshot.
    def dead_jobs_now() -> set[str]:
        bodies = [json.loads(body) for body in dlq_bodies(stack, "jobs_dlq_url")]
        return {r["s3"]["object"]["key"].split("/")[2] for body in bodies for r in body.get("Records", [])}

    abandoned = {item.job_id for item in planned if item.kind == "abandoned"}
    dead_jobs = wait_until(
        dead_jobs_now, lambda dead: abandoned <= dead, 60, "abandoned jobs in the jobs DLQ", interval=1
    )
    failing_jobs = {item.job_id for item in planned if item.user in tenants.failing or item.user == tenants.noisy}
    notify_dlq: Counter[str] = wait_until(
        lambda: Counter(json.loads(body)["jobId"] for body in dlq_bodies(stack, "notify_dlq_url")),
        lambda dead: failing_jobs <= set(dead),
        60,
        "failing webhooks' events in the notify DLQ",
        interval=1,
    )
    problems = [
        f"{item.kind} {item.job_id}: in the jobs DLQ = {item.job_id in dead_jobs}"
        for item in planned
        if (item.job_id in dead_jobs) != (item.kind == "abandoned")
    ] + [
        f"{item.job_id}: in notify DLQ = {item.job_id in notify_dlq}"
        for item in planned
        if (item.job_id in notify_dlq) != (item.job_id in failing_jobs)
    ]
    return problems, dead_jobs, notify_dlq


@pytest.mark.slow  # a burst of N photos and the accounting after it
@pytest.mark.timeout(1800)  # bounded by its own deadlines, which grow with N and a restart
def test_burst_with_chaos_loses_nothing_and_does_nothing_twice(stack: Stack) -> None:
    rng = random.Random(SEED)
    tenants = Tenants.for_run(uuid.uuid4().hex[:6])
    started = time.monotonic()
    failing_hooks = {f"/hook/{u}": 500 for u in tenants.failing}
    with WebhookReceiver(statuses=failing_hooks, dribble=tenants.loris_paths) as receiver:
        clients = {u: PhotopipeClient.for_user(stack, u) for u in [*tenants.users, tenants.noisy]}
        tenants.register(clients, receiver)
        planned = plan(rng, tenants.users)
        # The noisy tenant's jobs, interleaved with everyone else's so its events share the
        # notifier's batches.
        noisy_jobs = 2 + N // 100 if SLOW_LORIS_DEVICES else 0
        for index in range(noisy_jobs):
            planned.insert(
                index * len(planned) // noisy_jobs, Planned("slowloris", tenants.noisy, photo(640, 480), "image/jpeg")
            )
        warm_api(clients[tenants.noisy])
        healthy = [user for user in tenants.users if user not in tenants.failing]
        edits = plan_edits(rng, stack, clients, healthy)
        # The edits go in among the uploads, so they run while the burst's jobs do.
        work: list[Callable[[], None]] = [partial(submit, clients[item.user], stack, item) for item in planned]
        for index, edit in enumerate(edits):
            work.insert(index * len(work) // len(edits), partial(submit_edit, clients[edit.user], stack, edit))
        # A tenant that deletes its jobs mid-flight, and one that floods the API.
        deleted = [
            Planned("deleted", healthy[i % len(healthy)], photo(640, 480), "image/jpeg") for i in range(2 + N // 40)
        ]
        for index, item in enumerate(deleted):
            work.insert(index * len(work) // len(deleted), partial(submit_and_delete, clients[item.user], stack, item))
        flooder = PhotopipeClient.for_user(stack, f"chaos-{uuid.uuid4().hex[:6]}-flood")
        flooded: list[requests.Response] = []
        work.insert(len(work) // 2, partial(flood, flooder, flooded))
        with concurrent.futures.ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
            list(pool.map(lambda run: run(), work))
        if RESTART:
            restart_emulator()
        wait_until_every_job_is_terminal(stack, clients, planned)
        problems = edit_problems(clients, edits, receiver) + deletion_problems(stack, clients, deleted)
        problems += flood_problems(flooded)
        elapsed = time.monotonic() - started

        jobs = {item.job_id: clients[item.user].get_job(item.job_id) for item in planned}
        problems += [problem for item in planned for problem in job_problems(stack, item, jobs[item.job_id])]
        dead_problems, dead_jobs, notify_dlq = dead_letter_problems(stack, tenants, planned)
        problems += delivery_problems(tenants, planned, receiver, notify_dlq) + dead_problems
        # The victims: healthy webhooks' first delivery after their job finished, while the
        # noisy tenant's slow-loris endpoints were being tried in the same notifier.
        lags = sorted(
            first_post_at(receiver, f"/hook/{item.user}", item.job_id) - finished_at(jobs[item.job_id])
            for item in planned
            if item.user not in tenants.failing and item.user != tenants.noisy
        )

    kinds = Counter(item.kind for item in planned)
    statuses = Counter(jobs[i.job_id]["status"] for i in planned)
    print(
        f"\nchaos N={N} seed={SEED} restart={RESTART}: {dict(kinds)} -> {dict(statuses)}; {len(edits)} edits "
        f"({sum(1 for e in edits if e.key)} replayed, {sum(1 for e in edits if e.requeued)} delivered twice); "
        f"{len(deleted)} deleted mid-flight; a flood of {FLOOD} creations met "
        f"{sum(1 for a in flooded if a.status_code == 429)} 429s; "
        f"{len(receiver.received)} webhook posts; jobs DLQ +{len(dead_jobs & set(jobs))}, "
        f"notify DLQ +{len(set(notify_dlq) & set(jobs))} "
        f"({sum(1 for j in jobs if notify_dlq[j] > 1)} events there twice or more); "
        f"{elapsed:.1f}s; problems: {len(problems)}; "
        f"victims' delivery lag with {SLOW_LORIS_DEVICES} slow-loris neighbour devices: "
        f"p50 {percentile(lags, 0.5):.2f}s p95 {percentile(lags, 0.95):.2f}s max {lags[-1]:.2f}s "
        f"over {len(lags)} deliveries"
    )
    assert not problems, "\n".join(problems[:50])
