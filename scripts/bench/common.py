"""Helpers every section uses: the results folder, a synthetic photo, medians taken in turns."""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

from PIL import Image

from devkit.stack import ROOT

RESULTS_DIR = ROOT / ".photopipe" / "bench"


def photo_jpeg(width: int, height: int) -> bytes:
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
    return paired_medians({"only": action}, repeat)["only"]


def paired_medians(actions: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The median seconds of each action, run in turns (a, b, c, a, b, c ...) so that a slow
    stretch of a shared machine falls on all of them alike, rather than on whichever ran then."""
    for action in actions.values():
        action()  # warm-up: imports, caches
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]
