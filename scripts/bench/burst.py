"""Section `burst`: a burst of uploads next to the engine's raw throughput, with CPU accounting."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import photo_jpeg
from devkit.client import PhotopipeClient, wait_until
from devkit.stack import Stack
from photopipe.images import engine, placeholder
from photopipe.images.variants import DEFAULT_VARIANTS
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.ocr import TextReader
from photopipe.providers.ondevice import OnDeviceProvider

BURST_WARM_UP = 20  # photos: several batches for each concurrent worker invocation
RAW_PHOTOS_PER_CORE = 25  # fewer gave readings 15% apart from run to run
JOBS_PER_USER = 50  # within the local stack's 60 job creations per user a minute


def burst_section(stack: Stack, uploads: int) -> dict[str, Any]:
    data = photo_jpeg(1600, 1200)
    # A few photos first, so every worker process the burst will use is running: cold starts
    # after a deploy are the cold section's measure, not this one's (each costs seconds of CPU:
    # MiniStack unpacks the 37 MiB dependencies layer for every new Lambda process).
    warm_up = PhotopipeClient.for_user(stack, f"burst-warm-up-{uuid.uuid4().hex[:8]}")
    for job_id in [warm_up.submit(data, "image/jpeg") for _ in range(BURST_WARM_UP)]:
        warm_up.wait_for_job(job_id)
    # Spread over users, as real traffic is: one user may create only so many jobs a minute.
    run = uuid.uuid4().hex[:8]
    clients = [PhotopipeClient.for_user(stack, f"burst-{run}-{n}") for n in range(-(-uploads // JOBS_PER_USER))]
    slots = [(client, client.create_job("image/jpeg", len(data))) for _ in range(JOBS_PER_USER) for client in clients]
    slots = slots[:uploads]
    cpu_before, client_before = emulator_cpu_seconds(stack), time.process_time()
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda pair: pair[0].upload(pair[1]["upload"], data).raise_for_status(), slots))
    user_ids = [client.user_id for client in clients]
    dynamodb, sqs = stack.client("dynamodb"), stack.client("sqs")

    def queued() -> int:
        counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        attributes = sqs.get_queue_attributes(QueueUrl=stack["jobs_queue_url"], AttributeNames=counts)["Attributes"]
        return sum(int(attributes[name]) for name in counts)

    def finished() -> int:
        return sum(finished_of(user_id) for user_id in user_ids)

    def finished_of(user_id: str) -> int:
        # Straight from the table, so the measurement does not load the API it measures.
        count, start_key = 0, None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": stack["jobs_table_name"],
                "IndexName": "byUser",
                "KeyConditionExpression": "userId = :u",
                "FilterExpression": "#s IN (:c, :f)",
                "ExpressionAttributeNames": {"#s": "status"},
                "Select": "COUNT",
                "ExpressionAttributeValues": {":u": {"S": user_id}, ":c": {"S": "COMPLETED"}, ":f": {"S": "FAILED"}},
            }
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            page = dynamodb.query(**kwargs)
            count += page["Count"]
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                return count

    def progress() -> dict[str, int]:
        # Counting the user's jobs reads every one of them (16 ms of emulator CPU for 20 jobs,
        # measured), so it waits until the jobs queue is empty, which costs about 1 ms to tell.
        waiting = queued()
        return {"queued": waiting, "finished": finished() if waiting == 0 else -1}

    wait_until(progress, lambda seen: seen["finished"] >= uploads, 600, f"burst of {uploads}", interval=0.1)
    elapsed = time.perf_counter() - started
    client_cpu, cpu_after = time.process_time() - client_before, emulator_cpu_seconds(stack)
    cores = os.cpu_count() or 1
    # The engine alone on the same photo, with one process per core: the ceiling for the pipeline.
    spawn = multiprocessing.get_context("spawn")  # no inherited threads, sockets or locks
    with concurrent.futures.ProcessPoolExecutor(max_workers=cores, mp_context=spawn) as pool:
        list(pool.map(run_engine_and_analysis, [data] * cores))  # warm-up
        raw_started = time.perf_counter()
        engine_cpu = sum(pool.map(run_engine_and_analysis, [data] * (cores * RAW_PHOTOS_PER_CORE)))
        raw = cores * RAW_PHOTOS_PER_CORE / (time.perf_counter() - raw_started)
    throughput = uploads / elapsed
    result: dict[str, Any] = {
        "uploads": uploads,
        "input": "2 MP JPEG, default variants + analysis (on-device faces)",
        "seconds": round(elapsed, 1),
        "photos_per_second": round(throughput, 2),
        "engine_raw_photos_per_second": round(raw, 2),
        "share_of_raw": round(throughput / raw, 2),
        "cores": cores,
        "engine_cpu_ms_per_photo": round(engine_cpu * 1000 / (cores * RAW_PHOTOS_PER_CORE), 1),
    }
    if cpu_before is not None and cpu_after is not None:
        engine_per_photo = engine_cpu / (cores * RAW_PHOTOS_PER_CORE)
        result.update(cpu_accounting(cpu_before, cpu_after, client_cpu, uploads, elapsed * cores, engine_per_photo))
    return result


# The local deployment's provider: on-device faces, moderation and text.
_PROVIDER = OnDeviceProvider(ModerationPolicy(frozenset()), text=TextReader())


def run_engine_and_analysis(data: bytes) -> float:
    """The work the worker does for one photo, without the pipeline; returns its CPU seconds.
    With the local deployment's provider, as the deployed worker runs it."""
    started = time.process_time()  # every thread of this process: the engine renders in threads
    decoded = engine.decode(data, "image/jpeg", 200_000_000, 2048)
    preview = engine.preview(decoded, _PROVIDER.preview_side)
    _PROVIDER.analyse(preview)
    placeholder.placeholders(preview)
    engine.render_variants(decoded.image, DEFAULT_VARIANTS, decoded.profile)
    return time.process_time() - started


def _process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, CPU clock ticks used: utime + stime), from /proc."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                processes[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
            except (OSError, ValueError, IndexError):
                continue  # gone while we looked
    return processes


def emulator_cpu_seconds(stack: Stack) -> dict[str, float] | None:
    """CPU seconds used so far by the emulator and its Lambda processes, by function role.

    None where it cannot be read: no /proc (not Linux), or an emulator without a pid file here
    (LocalStack in Docker). Counts the processes alive now; one that exited took its CPU time
    with it, so a burst that kills Lambda processes reads low.
    """
    pid_file = stack.directory / "emulator.pid"
    if not Path("/proc/self/stat").exists() or not pid_file.exists():
        return None
    root = int(pid_file.read_text().strip())
    processes = _process_table()
    tree, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in processes.items() if parent in frontier and pid not in tree}
        tree |= frontier
    roles = {name: role for role, name in stack["function_names"].items()}
    ticks = os.sysconf("SC_CLK_TCK")
    seconds: dict[str, float] = {}
    for pid in tree & processes.keys():
        try:
            environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        function = next((v[25:].decode() for v in environment if v.startswith(b"AWS_LAMBDA_FUNCTION_NAME=")), None)
        role = "emulator" if function is None else roles.get(function, function)
        seconds[role] = seconds.get(role, 0.0) + processes[pid][1] / ticks
    return seconds


def cpu_accounting(
    before: dict[str, float],
    after: dict[str, float],
    client_cpu: float,
    uploads: int,
    cpu_available: float,
    engine_cpu: float,
) -> dict[str, Any]:
    """Where the burst's CPU went, per photo, and what that leaves possible."""
    spent = {role: after[role] - before.get(role, 0.0) for role in sorted(after)}
    spent["bench client"] = client_cpu
    per_photo = {role: round(value * 1000 / uploads, 1) for role, value in spent.items()}
    rest = sum(value for role, value in spent.items() if role != "worker") / uploads
    return {
        "cpu_ms_per_photo": per_photo,
        "worker_overhead_ms_per_photo": round((spent.get("worker", 0.0) / uploads - engine_cpu) * 1000, 1),
        # The share of raw on the worker's own CPU: what the pipeline would reach if the
        # emulator's work (AWS's, once deployed) ran on other cores, as it does on AWS.
        "worker_share_of_engine": round(engine_cpu * uploads / spent["worker"], 2) if spent.get("worker") else None,
        "cpu_busy_share": round(sum(spent.values()) / cpu_available, 2),
        # The share of raw if the worker cost no more than the bare engine and every core were
        # busy: what the emulator, the notifier and the uploading client leave possible.
        "share_ceiling_bare_worker": round(engine_cpu / (engine_cpu + rest), 2),
    }
