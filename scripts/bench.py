#!/usr/bin/env python3
"""`make bench`: numbers a user can reproduce, written as JSON and printed as a table.

Sections (each can be skipped with --skip NAME):
  engine    the worker's engine vs naive Pillow vs libvips thumbnail on a 12 MP JPEG, and peak
            memory for a 48 MP input (a separate process, so the reading is its own)
  pipeline  upload-to-COMPLETED latency over sequential jobs next to the worker's own time
  burst     throughput of a burst of uploads next to the engine's raw throughput on this machine
  cold      import time of each handler, and first-invoke time after a configuration update
  deploy    Lambda zip sizes, no-op `make up`, code-only redeploy (and cold `make up` with --cold)
  memory    peak RSS of the worst input and the worst edit chain the worker accepts, next to the
            memory budget's estimate and the function's memory (a process each)
Timings live here, never in test asserts.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from client import PhotopipeClient, wait_until
from photopipe.images import engine
from photopipe.jobs.model import DEFAULT_VARIANTS
from stack import ROOT, Stack

RESULTS_DIR = ROOT / ".photopipe" / "bench"


def photo_jpeg(width: int, height: int, seed: int = 1) -> bytes:
    """A photo-like JPEG: smooth gradients plus sensor-like noise (so it compresses like one)."""
    noise = Image.effect_noise((width, height), 24)
    red = Image.linear_gradient("L").resize((width, height))
    green = red.rotate(90).resize((width, height))
    blue = Image.blend(noise, Image.radial_gradient("L").resize((width, height)), 0.5)
    image = Image.merge("RGB", (Image.blend(red, noise, 0.3), Image.blend(green, noise, 0.3), blue))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    action()  # warm-up: imports, caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run_engine(data: bytes) -> None:
    largest = max(v.max_size for v in DEFAULT_VARIANTS)
    decoded = engine.decode(data, "image/jpeg", 200_000_000, largest)
    engine.render_variants(decoded.image, DEFAULT_VARIANTS)


def run_naive_pillow(data: bytes) -> None:
    """What a first implementation does: full decode, then each variant from the original."""
    original = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    for spec in DEFAULT_VARIANTS:
        copy = original.copy()
        copy.thumbnail((spec.max_size, spec.max_size), Image.Resampling.LANCZOS)
        copy.convert("RGB").save(io.BytesIO(), "JPEG", quality=85)


def run_vips(data: bytes) -> None:
    import pyvips

    for spec in DEFAULT_VARIANTS:
        thumbnail = pyvips.Image.thumbnail_buffer(data, spec.max_size, height=spec.max_size)
        thumbnail.write_to_buffer(".jpg[Q=85,strip]")


# VmHWM (peak resident set) starts afresh at exec, unlike ru_maxrss, which a child inherits.
PEAK_PROBE = """
import sys, time
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from photopipe.images import engine
from photopipe.jobs.model import DEFAULT_VARIANTS
data = open(sys.argv[1], "rb").read()
before = peak_kb()
started = time.perf_counter()
decoded = engine.decode(data, "image/jpeg", 200_000_000, max(v.max_size for v in DEFAULT_VARIANTS))
engine.render_variants(decoded.image, DEFAULT_VARIANTS)
elapsed = time.perf_counter() - started
print(before, peak_kb(), elapsed)
"""


# One job's image work as the worker does it (open, estimate, decode, edits, variants), in a
# fresh process: its VmHWM is that job's peak.
MEMORY_PROBE = """
import json, sys
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from photopipe.images import budget, engine
from photopipe.jobs.model import DEFAULT_VARIANTS
from photopipe.providers.local import LocalProvider
data = open(sys.argv[1], "rb").read()
edits = json.loads(sys.argv[2])
before = peak_kb()
opened = engine.open_upload(data, None, 100_000_000)
need = budget.estimate((opened.width, opened.height), opened.image.mode, edits, len(data))
image = engine.decode_opened(opened).image
provider = LocalProvider()
for spec in edits:
    image = provider.edit(image, spec)
engine.render_variants(image, DEFAULT_VARIANTS)
print(json.dumps({"before_kb": before, "peak_kb": peak_kb(), "estimate_bytes": need.peak_bytes}))
"""
# The longest chain the API accepts (10 edits), of the edits that copy the most.
WORST_EDIT_CHAIN = [
    {"op": "watermark", "text": "(c) photopipe"},
    {"op": "autocontrast", "cutoff": 1},
    {"op": "sharpen", "percent": 500},
    {"op": "blur", "radius": 50},
    {"op": "rotate", "degrees": 90},
    {"op": "flip", "direction": "vertical"},
    {"op": "watermark", "text": "(c) photopipe"},
    {"op": "grayscale"},
    {"op": "autocontrast", "cutoff": 1},
    {"op": "watermark", "text": "(c) photopipe"},
]


def memory_section() -> dict[str, Any]:
    from PIL import Image

    from photopipe.config import settings_from
    from photopipe.images.budget import budget_for_function

    settings = settings_from({})
    side = int(settings.max_full_decode_pixels**0.5)  # the largest square decoded whole
    image = Image.linear_gradient("L").resize((side, side)).convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    del image
    results: dict[str, Any] = {
        "input": f"{side}x{side} RGBA PNG ({side * side / 1e6:.0f} MP, the full-decode limit)",
        "function_memory_mb": settings.function_memory_mb,
        "budget_mb": budget_for_function(settings.function_memory_mb).total_bytes // (1024 * 1024),
    }
    with tempfile.NamedTemporaryFile(suffix=".png") as source:
        source.write(buffer.getvalue())
        source.flush()
        for name, edits in (("no_edits", []), ("worst_edit_chain", WORST_EDIT_CHAIN)):
            probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
                [sys.executable, "-c", MEMORY_PROBE, source.name, json.dumps(edits)],
                check=True,
                capture_output=True,
                text=True,
            )
            reading = json.loads(probe.stdout)
            results[f"{name}_peak_rss_mb"] = round(reading["peak_kb"] / 1024, 1)
            results[f"{name}_over_idle_mb"] = round((reading["peak_kb"] - reading["before_kb"]) / 1024, 1)
            results[f"{name}_estimate_mb"] = round(reading["estimate_bytes"] / (1024 * 1024), 1)
            results[f"{name}_admitted"] = reading["estimate_bytes"] <= results["budget_mb"] * 1024 * 1024
    return results


def engine_section(repeat: int) -> dict[str, Any]:
    data = photo_jpeg(4000, 3000)
    ours = median_seconds(lambda: run_engine(data), repeat)
    naive = median_seconds(lambda: run_naive_pillow(data), repeat)
    try:
        vips: float | None = median_seconds(lambda: run_vips(data), repeat)
    except ImportError:
        vips = None  # pyvips is a bench-only extra; `make bench` installs it
    with tempfile.NamedTemporaryFile(suffix=".jpg") as big:
        big.write(photo_jpeg(8000, 6000))
        big.flush()
        probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", PEAK_PROBE, big.name], check=True, capture_output=True, text=True
        )
        before_kb, after_kb, seconds_48 = probe.stdout.split()
    return {
        "input": "12 MP JPEG (4000x3000), default variants 256/1024/2048 JPEG q85",
        "engine_ms": round(ours * 1000, 1),
        "naive_pillow_ms": round(naive * 1000, 1),
        "vips_thumbnail_ms": round(vips * 1000, 1) if vips else None,
        "engine_vs_naive": round(ours / naive, 2),
        "engine_vs_vips": round(ours / vips, 2) if vips else None,
        "peak_rss_48mp_mb": round(int(after_kb) / 1024, 1),
        "rss_before_48mp_mb": round(int(before_kb) / 1024, 1),
        "engine_48mp_ms": round(float(seconds_48) * 1000, 1),
        "repeat": repeat,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def pipeline_section(stack: Stack, jobs: int) -> dict[str, Any]:
    client = PhotopipeClient.for_user(stack, f"bench-{uuid.uuid4().hex[:8]}")
    data = photo_jpeg(1600, 1200)
    latencies, processing = [], []
    for _ in range(jobs):
        created = client.create_job("image/jpeg", len(data))
        started = time.perf_counter()
        response = client.upload(created["upload"], data)
        response.raise_for_status()
        job = wait_until(
            lambda job_id=created["jobId"]: client.get_job(job_id),
            lambda j: j["status"] in ("COMPLETED", "FAILED"),
            120,
            "bench job",
            interval=0.02,
        )
        latencies.append((time.perf_counter() - started) * 1000)
        processing.append(float(job["processingMs"]))
    overhead = [lat - proc for lat, proc in zip(latencies, processing, strict=True)]
    return {
        "jobs": jobs,
        "input": "2 MP JPEG, default variants",
        "latency_ms": {
            "p50": round(percentile(latencies, 0.5)),
            "p95": round(percentile(latencies, 0.95)),
            "max": round(max(latencies)),
        },
        "worker_processing_ms": {"p50": round(percentile(processing, 0.5)), "p95": round(percentile(processing, 0.95))},
        "overhead_ms": {
            "p50": round(percentile(overhead, 0.5)),
            "p95": round(percentile(overhead, 0.95)),
            "max": round(max(overhead)),
        },
        "note": "overhead = upload start to COMPLETED seen by polling every 20 ms, minus the worker's own time",
    }


BURST_WARM_UP = 20  # photos: several batches for each concurrent worker invocation
RAW_PHOTOS_PER_CORE = 25  # fewer gave readings 15% apart from run to run


def burst_section(stack: Stack, uploads: int) -> dict[str, Any]:
    data = photo_jpeg(1600, 1200)
    # A few photos first, so every worker process the burst will use is running: cold starts
    # after a deploy are the cold section's measure, not this one's (each costs seconds of CPU:
    # MiniStack unpacks the 37 MiB dependencies layer for every new Lambda process).
    warm_up = PhotopipeClient.for_user(stack, f"burst-warm-up-{uuid.uuid4().hex[:8]}")
    for job_id in [warm_up.submit(data, "image/jpeg") for _ in range(BURST_WARM_UP)]:
        warm_up.wait_for_job(job_id)
    client = PhotopipeClient.for_user(stack, f"burst-{uuid.uuid4().hex[:8]}")
    slots = [client.create_job("image/jpeg", len(data)) for _ in range(uploads)]
    cpu_before, client_before = emulator_cpu_seconds(stack), time.process_time()
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda slot: client.upload(slot["upload"], data).raise_for_status(), slots))
    user_id = client.user_id
    dynamodb, sqs = stack.client("dynamodb"), stack.client("sqs")

    def queued() -> int:
        counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        attributes = sqs.get_queue_attributes(QueueUrl=stack["jobs_queue_url"], AttributeNames=counts)["Attributes"]
        return sum(int(attributes[name]) for name in counts)

    def finished() -> int:
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
        "input": "2 MP JPEG, default variants + analysis",
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


def run_engine_and_analysis(data: bytes) -> float:
    """The work the worker does for one photo, without the pipeline; returns its CPU seconds."""
    from photopipe.providers.local import LocalProvider

    started = time.process_time()  # every thread of this process: the engine renders in threads
    decoded = engine.decode(data, "image/jpeg", 200_000_000, 2048)
    LocalProvider().analyse(decoded.image)
    engine.render_variants(decoded.image, DEFAULT_VARIANTS)
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


IMPORT_PROBE = """
import sys, time
started = time.perf_counter()
__import__(sys.argv[1])
print(time.perf_counter() - started)
"""


def cold_section(stack: Stack) -> dict[str, Any]:
    result: dict[str, Any] = {}
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "1"}
    for name in ("api", "worker", "notifier"):
        probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", IMPORT_PROBE, f"photopipe.handlers.{name}"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        result[f"{name}_import_ms"] = round(float(probe.stdout) * 1000)
    lam = stack.client("lambda")
    functions = stack["function_names"]
    for name, invoke in (("api", _first_api_call), ("worker", _first_worker_call)):
        function = functions[name]
        config = lam.get_function_configuration(FunctionName=function)
        variables = dict(config.get("Environment", {}).get("Variables", {}))
        variables["BENCH_NONCE"] = uuid.uuid4().hex  # a configuration update: the next invoke is cold
        lam.update_function_configuration(FunctionName=function, Environment={"Variables": variables})
        wait_until(
            lambda f=function: lam.get_function_configuration(FunctionName=f).get("LastUpdateStatus"),
            lambda status: status in (None, "Successful"),
            60,
            f"{function} updated",
        )
        result[f"{name}_first_invoke_ms"] = round(invoke(stack) * 1000)
        result[f"{name}_warm_invoke_ms"] = round(invoke(stack) * 1000)
    return result


def _first_api_call(stack: Stack) -> float:
    client = PhotopipeClient.for_user(stack, "bench-cold")
    started = time.perf_counter()
    client.request("GET", "/v1/jobs", 200, params={"limit": "1"})
    return time.perf_counter() - started


# S3's test notification: a valid record the worker acknowledges without work. An empty batch
# would be an error, and an erroring process is replaced: the "warm" call would be cold again.
_TEST_EVENT_RECORD = {
    "messageId": "bench-cold",
    "receiptHandle": "bench-cold",
    "body": json.dumps({"Event": "s3:TestEvent"}),
    "attributes": {"ApproximateReceiveCount": "1"},
    "messageAttributes": {},
    "md5OfBody": "",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench-cold",
    "awsRegion": "us-east-1",
}


def _first_worker_call(stack: Stack) -> float:
    started = time.perf_counter()
    response = stack.client("lambda").invoke(
        FunctionName=stack["function_names"]["worker"], Payload=json.dumps({"Records": [_TEST_EVENT_RECORD]}).encode()
    )
    elapsed = time.perf_counter() - started
    if "FunctionError" in response:
        raise RuntimeError(f"the worker failed the test event: {response['Payload'].read()[:500]!r}")
    return elapsed


def timed_make(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", *args],  # noqa: S607 - make from PATH, as a user runs it
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def deploy_section(cold: bool) -> dict[str, Any]:
    build = ROOT / "build" / "lambda"
    result: dict[str, Any] = {
        "zip_kib": {p.stem: round(p.stat().st_size / 1024) for p in sorted(build.glob("*.zip"))},
        "noop_make_up_s": round(timed_make("up"), 1),
    }
    marker = ROOT / "backend" / "src" / "photopipe" / "_redeploy_marker.py"
    try:
        marker.write_text(
            f'"""Written by scripts/bench.py to time a code-only redeploy."""\nNONCE = "{uuid.uuid4()}"\n'
        )
        result["code_only_redeploy_s"] = round(timed_make("deploy"), 1)
    finally:
        marker.unlink(missing_ok=True)
        timed_make("deploy")
    if cold:
        try:
            result["cold_make_up_s"] = round(timed_make("up", "STACK=bench-cold", "PORT=4588"), 1)
        finally:
            timed_make("clean", "STACK=bench-cold", "PORT=4588")
    return result


def table(results: dict[str, Any]) -> str:
    lines = [f"{'section':<9} {'measure':<34} value", f"{'-' * 9} {'-' * 34} {'-' * 20}"]
    for section, values in results.items():
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            shown = json.dumps(value) if isinstance(value, dict) else str(value)
            lines.append(f"{section:<9} {key:<34} {shown}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="photopipe benchmarks")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["engine", "pipeline", "burst", "cold", "deploy", "memory"]
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--cold", action="store_true", help="also time a cold `make up` on a scratch stack")
    args = parser.parse_args()

    results: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]}}
    if "engine" not in args.skip:
        results["engine"] = engine_section(args.repeat)
    stack = Stack.load() if {"pipeline", "burst", "cold", "deploy"} - set(args.skip) else None
    if stack and "pipeline" not in args.skip:
        results["pipeline"] = pipeline_section(stack, args.jobs)
    if stack and "burst" not in args.skip:
        results["burst"] = burst_section(stack, args.burst)
    if stack and "cold" not in args.skip:
        results["cold"] = cold_section(stack)
    if "deploy" not in args.skip:
        results["deploy"] = deploy_section(args.cold)
    if "memory" not in args.skip:
        results["memory"] = memory_section()

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
