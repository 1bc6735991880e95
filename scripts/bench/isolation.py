"""Section `isolation`: what rendering in a child process costs per photo. The same render (a
12 MP JPEG to one 400 px JPEG, analysis by the local provider) in this process and through a warm
render child (the original by path, the renditions pickled back), run in turns."""

from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import paired_medians, photo_jpeg


def isolation_section(repeat: int) -> dict[str, Any]:
    os.environ.setdefault("IMAGE_PROVIDER", "local")  # the child reads its settings at start
    from photopipe.adapters.render_children import ChildRenderer
    from photopipe.config import get_settings
    from photopipe.images.pipeline import InProcessRenderer
    from photopipe.images.rendering import MIB, MemoryBudget, RenderRequest, limits_of
    from photopipe.images.variants import VariantSpec
    from photopipe.providers.local import LocalProvider

    request = RenderRequest([VariantSpec("small", 400, "jpeg")])
    budget = MemoryBudget(1024 * MIB)
    in_process = InProcessRenderer(LocalProvider(), budget, limits_of(get_settings()))
    children = ChildRenderer(budget, 60, children=1)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "photo.jpg"
        source.write_bytes(photo_jpeg(4000, 3000))
        started = time.perf_counter()
        children.render(source, "image/jpeg", request, math.inf)
        first_ms = (time.perf_counter() - started) * 1000
        medians = paired_medians(
            {
                "in_process": lambda: in_process.render(source, "image/jpeg", request, math.inf),
                "child": lambda: children.render(source, "image/jpeg", request, math.inf),
            },
            repeat * 2,
        )
    children.close()
    return {
        "in_process_ms": round(medians["in_process"] * 1000, 1),
        "child_ms": round(medians["child"] * 1000, 1),
        "isolation_cost_ms": round((medians["child"] - medians["in_process"]) * 1000, 1),
        "first_photo_of_a_new_child_ms": round(first_ms),
        "case": "12 MP JPEG -> one 400 px JPEG, local analysis; medians in turns; a warm child",
    }
