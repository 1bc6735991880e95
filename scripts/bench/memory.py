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
import json, sys
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from photopipe.images import budget, engine
from photopipe.images.edits import parse
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.providers.ondevice import OnDeviceProvider
from photopipe.providers.local import LocalProvider
data = open(sys.argv[1], "rb").read()
edits = [parse(spec) for spec in json.loads(sys.argv[2])]
variants = DEFAULT_VARIANTS + tuple(VariantSpec(f"v{size}", size) for size in json.loads(sys.argv[3]))
before = peak_kb()
opened = engine.open_upload(data, None, 100_000_000)
converted = max(v.max_size for v in variants) if engine.has_colour_profile(opened) else None
need = budget.estimate((opened.width, opened.height), opened.image.mode, edits, len(data), converted)
decoded = engine.decode_opened(opened)
image = decoded.image
provider = LocalProvider()
for spec in edits:
    image = provider.edit(image, spec)
engine.render_variants(image, variants, decoded.profile)
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
    del image
    results: dict[str, Any] = {
        "input": f"{side}x{side} RGBA PNG ({side * side / 1e6:.0f} MP, the full-decode limit)",
        "function_memory_mb": settings.function_memory_mb,
        # The worker's, with the render children AWS runs (the settings' default).
        "budget_mb": render_budget(settings.function_memory_mb, settings.render_children).total_bytes // (1024 * 1024),
    }
    wide = io.BytesIO()
    image = Image.open(io.BytesIO(buffer.getvalue()))
    image.save(wide, "PNG", compress_level=1, icc_profile=icc.profile_bytes(icc.DISPLAY_P3))
    del image
    with tempfile.NamedTemporaryFile(suffix=".png") as source, tempfile.NamedTemporaryFile(suffix=".png") as p3:
        source.write(buffer.getvalue())
        source.flush()
        p3.write(wide.getvalue())
        p3.flush()
        cases = (
            ("no_edits", source.name, [], []),
            ("worst_edit_chain", source.name, WORST_EDIT_CHAIN, []),
            # Every pixel converted from Display P3: a full-size sRGB variant.
            ("display_p3_full_size_variant", p3.name, [], [8192]),
        )
        for name, path, edits, sizes in cases:
            probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
                [sys.executable, "-c", MEMORY_PROBE, path, json.dumps(edits), json.dumps(sizes)],
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
