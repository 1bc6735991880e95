"""Section `memory`: peak RSS of the worst admitted inputs next to the budget's estimate."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from typing import Any

from PIL import Image

from photopipe.images import icc

MEMORY_PROBE = """
import dataclasses, json, sys
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from photopipe.config import settings_from
from photopipe.images import engine, pipeline
from photopipe.images.rendering import MemoryBudget
from photopipe.images.edits import parse
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.providers.local import LocalProvider
data = open(sys.argv[1], "rb").read()
specs = json.loads(sys.argv[2])
variants = DEFAULT_VARIANTS + tuple(VariantSpec(f"v{size}", size) for size in json.loads(sys.argv[3]))
request = rendering.RenderRequest(variants, specs)
provider = LocalProvider()
# The worker's limits, less the two this section measures past: what a refused case would take.
limits = dataclasses.replace(rendering.limits_of(settings_from({})), max_render_bytes=2**40)
before = peak_kb()
typed = tuple(parse(spec) for spec in specs)
opened = engine.open_upload(data, None, limits.max_image_pixels)
need = pipeline.estimate(opened, request, typed, pipeline.decode_target(request, provider.preview_side, bool(typed)))
del opened
pipeline.render(data, None, request, provider, MemoryBudget(2**40), limits)
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

    from photopipe.adapters.render_children import render_budget
    from photopipe.config import settings_from

    settings = settings_from({})
    side = int(settings.max_full_decode_pixels**0.5)  # the largest square decoded whole
    image = Image.linear_gradient("L").resize((side, side)).convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    wide = io.BytesIO()
    image.save(wide, "PNG", compress_level=1, icc_profile=icc.profile_bytes(icc.DISPLAY_P3))
    photo_24mp = io.BytesIO()
    image.convert("RGB").resize((6000, 4000)).save(photo_24mp, "JPEG", quality=90)
    del image
    budget_mb = render_budget(settings.function_memory_mb, settings.render_children).total_bytes // (1024 * 1024)
    # A photo is admitted when its estimate fits both what one render may use and the budget.
    admitted_mb = min(settings.max_render_mb, budget_mb)
    results: dict[str, Any] = {
        "input": f"{side}x{side} RGBA PNG ({side * side / 1e6:.0f} MP, the full-decode limit) unless named",
        "function_memory_mb": settings.function_memory_mb,
        # The worker's, with the render children AWS runs (the settings' default).
        "budget_mb": budget_mb,
        "max_render_mb": settings.max_render_mb,
    }
    cases = (
        ("no_edits", buffer, [], []),
        ("worst_edit_chain", buffer, WORST_EDIT_CHAIN, []),
        # Every pixel converted from Display P3: a full-size sRGB variant.
        ("display_p3_full_size_variant", wide, [], [8192]),
        ("display_p3", wide, [], []),
        # A 24 MP phone photo turned and watermarked: edits decode it whole.
        ("jpeg_24mp_rotated_watermarked", photo_24mp, [{"op": "rotate", "degrees": 90}, WORST_EDIT_CHAIN[0]], []),
        ("jpeg_24mp_rotated", photo_24mp, [{"op": "rotate", "degrees": 90}], []),
    )
    peaks_admitted = []
    for name, source, edits, sizes in cases:
        with tempfile.NamedTemporaryFile() as file:
            file.write(source.getvalue())
            file.flush()
            probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
                [sys.executable, "-c", MEMORY_PROBE, file.name, json.dumps(edits), json.dumps(sizes)],
                check=True,
                capture_output=True,
                text=True,
            )
        reading = json.loads(probe.stdout)
        results[f"{name}_peak_rss_mb"] = round(reading["peak_kb"] / 1024, 1)
        results[f"{name}_over_idle_mb"] = round((reading["peak_kb"] - reading["before_kb"]) / 1024, 1)
        results[f"{name}_estimate_mb"] = round(reading["estimate_bytes"] / (1024 * 1024), 1)
        results[f"{name}_admitted"] = admitted = reading["estimate_bytes"] <= admitted_mb * 1024 * 1024
        if admitted:
            peaks_admitted.append(results[f"{name}_peak_rss_mb"])
    # The whole process's peak (interpreter and libraries included) of the worst case admitted.
    results["worst_admitted_peak_mb"] = max(peaks_admitted, default=None)
    return results
