"""`make bench` (`python -m bench`): runs the sections bench/__init__.py lists, writes JSON and a table."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.burst import burst_section
from bench.cold import cold_section
from bench.colour import colour_section
from bench.common import RESULTS_DIR
from bench.cost import cost_section
from bench.delivery import delivery_section
from bench.deploy import deploy_section
from bench.edits import edits_section
from bench.engine import engine_section
from bench.isolation import isolation_section
from bench.latency import latency_section
from bench.memory import memory_section
from bench.ondevice import ondevice_section
from bench.pipeline import pipeline_section
from bench.quality import quality_section
from bench.upload import upload_section
from bench.watch import watch_section
from devkit.stack import Stack


def table(results: dict[str, Any]) -> str:
    lines = [f"{'section':<9} {'measure':<34} value", f"{'-' * 9} {'-' * 34} {'-' * 20}"]
    for section, values in results.items():
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            shown = json.dumps(value) if isinstance(value, dict) else str(value)
            lines.append(f"{section:<9} {key:<34} {shown}")
    return "\n".join(lines)


ON_THE_STACK = ("latency", "upload", "delivery", "pipeline", "burst", "cold", "watch")
SECTIONS = [
    *("engine", "isolation", "colour", "ondevice", "edits", "quality"),  # in-process
    *(
        "latency",
        "upload",
        "delivery",
        "pipeline",
        "burst",
        "cold",
        "watch",
        "deploy",
        "memory",
    ),  # on the running stack, mostly
    "cost",  # from the pipeline's worker time (this run's, or the newest saved one)
]


def main() -> int:
    parser = argparse.ArgumentParser(description="photopipe benchmarks")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=SECTIONS,
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--cold", action="store_true", help="also time a cold `make up` on a scratch stack")
    args = parser.parse_args()

    results: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]}}
    stack = Stack.load() if set(ON_THE_STACK) - set(args.skip) else None
    # In this order: cost reads what pipeline measured in the same run.
    runs: dict[str, Callable[[], dict[str, Any]]] = {
        "engine": lambda: engine_section(args.repeat),
        "isolation": lambda: isolation_section(args.repeat),
        "colour": colour_section,
        "ondevice": lambda: ondevice_section(args.repeat),
        "edits": lambda: edits_section(args.repeat),
        "quality": quality_section,
        "latency": lambda: latency_section(stack),  # type: ignore[arg-type]
        "upload": lambda: upload_section(stack, args.repeat),  # type: ignore[arg-type]
        "delivery": lambda: delivery_section(stack),  # type: ignore[arg-type]
        "pipeline": lambda: pipeline_section(stack, args.jobs),  # type: ignore[arg-type]
        "burst": lambda: burst_section(stack, args.burst),  # type: ignore[arg-type]
        "cold": lambda: cold_section(stack),  # type: ignore[arg-type]
        "watch": lambda: watch_section(stack),  # type: ignore[arg-type]
        "deploy": lambda: deploy_section(args.cold),
        "memory": memory_section,
        "cost": lambda: cost_section(results),
    }
    for name, run in runs.items():
        if name not in args.skip:
            results[name] = run()

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
