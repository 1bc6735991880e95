"""Section `cost`: what 1,000 photos cost on AWS, from the worker time measured here and the calls
each photo makes, at list prices (stated with their date in the output).

The worker's GB-seconds come from the `pipeline` section (its p50 processing time of a 2 MP JPEG
with the default variants and on-device analysis, measured on this machine) at the memory
Terraform gives each function on AWS (`infrastructure/variables.tf` defaults, which
`env/aws.tfvars` does not override); AWS bills arm64, and Graviton's speed is taken to equal this
machine's, a stated assumption. The calls per photo are counted from the code's path: the app
creates a job and reads it once after its webhook, the worker claims, finishes and publishes, the
notifier records one delivery.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR
from devkit.stack import ROOT

PRICES_AS_OF = "2025-01, us-east-1 list prices (on-demand)"
PRICES_USD = {
    "lambda_gb_second_arm64": 0.0000133334,
    "lambda_request": 0.20 / 1e6,
    "api_gateway_rest_request": 3.50 / 1e6,
    "s3_put": 0.005 / 1e3,
    "s3_get": 0.0004 / 1e3,
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
    "sqs_request": 0.40 / 1e6,
    "sns_publish": 0.50 / 1e6,
    "logs_ingested_gb": 0.50,
}
# Per photo, from the code's path (default variants, one webhook device).
CALLS_PER_PHOTO = {
    "api_gateway_rest_request": 2,  # POST /v1/jobs, then GET /v1/jobs/{id} once the webhook says so
    "lambda_request": 2 + 1 / 5 + 1 / 10,  # two api calls; the worker's batch of 5; the notifier's of 10
    "s3_put": 1 + 3,  # the original (the client's presigned PUT), three variants
    "s3_get": 1 + 3,  # the worker reads the original; the app downloads three variants
    "dynamodb_write_unit": 4 + 2,  # create, claim, finish, event published; the ledger's lease and result
    "dynamodb_read_unit": 1 + 1,  # the app's GET reads the job and the ledger
    "sqs_request": 3 + 3,  # jobs and notify queues: send, receive, delete each
    "sns_publish": 1,
}
API_INVOCATION_MS = 20  # a warm API call's handler time, generous: the handler runs in ~1 ms
NOTIFIER_MS_PER_PHOTO = 30  # one signed POST to a receiver that answers at once
WORKER_IO_MS = 30  # the S3 read and writes and the conditional writes beside processingMs
LOG_BYTES_PER_PHOTO = 4_000  # the JSON lines of the api's two requests, the worker and the notifier


def function_memory_mb() -> dict[str, int]:
    text = (ROOT / "infrastructure" / "variables.tf").read_text()
    sizes = {}
    for name in ("api", "worker", "notifier"):
        block = re.search(rf'variable "{name}_memory_mb" {{.*?default\s*=\s*(\d+)', text, re.S)
        sizes[name] = int(block.group(1)) if block else 1024
    return sizes


def latest_pipeline(results: dict[str, Any]) -> dict[str, Any] | None:
    """This run's pipeline figures, else those of the newest saved run that has them."""
    if "pipeline" in results:
        return dict(results["pipeline"])
    for path in sorted(RESULTS_DIR.glob("bench-*.json"), reverse=True):
        saved = json.loads(Path(path).read_text())
        if "pipeline" in saved:
            return {**saved["pipeline"], "from": path.name}
    return None


def cost_section(results: dict[str, Any]) -> dict[str, Any]:
    pipeline = latest_pipeline(results)
    if pipeline is None:
        return {"skipped": "needs the pipeline section's worker time (run it once)"}
    memory = function_memory_mb()
    worker_ms = float(pipeline["worker_processing_ms"]["p50"]) + WORKER_IO_MS
    gb_seconds = (
        worker_ms / 1000 * memory["worker"] / 1024
        + 2 * API_INVOCATION_MS / 1000 * memory["api"] / 1024
        + NOTIFIER_MS_PER_PHOTO / 1000 * memory["notifier"] / 1024
    )
    per_photo = {
        "lambda_compute": gb_seconds * PRICES_USD["lambda_gb_second_arm64"],
        **{call: count * PRICES_USD[call] for call, count in CALLS_PER_PHOTO.items()},
        "logs": LOG_BYTES_PER_PHOTO / 1e9 * PRICES_USD["logs_ingested_gb"],
    }
    return {
        "cost_per_1000_photos_usd": round(1000 * sum(per_photo.values()), 4),
        "breakdown_per_1000_usd": {name: round(1000 * usd, 4) for name, usd in per_photo.items()},
        "lambda_gb_seconds_per_photo": round(gb_seconds, 4),
        "worker_ms_per_photo": round(worker_ms),
        "function_memory_mb": memory,
        "prices": PRICES_AS_OF,
        "counts": "2 MP JPEG, default variants, on-device analysis, one webhook; storage not included",
        "worker_time_from": pipeline.get("from", "this run's pipeline section"),
    }
