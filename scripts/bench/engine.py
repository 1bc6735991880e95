"""Section `engine`: the worker's engine against naive Pillow and libvips' thumbnail."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageCms, ImageOps

from bench.common import paired_medians, photo_jpeg
from photopipe.images import engine, icc, rendering
from photopipe.images.variants import DEFAULT_VARIANTS


def run_engine(data: bytes) -> list[rendering.Rendition]:
    """The default variants as the worker renders them (pipeline._decode_fitted: no edits, every
    variant fitted and sRGB): decoded at the largest variant's size, else decoded whole."""
    largest = max(v.max_size for v in DEFAULT_VARIANTS)
    opened = engine.open_upload(data, "image/jpeg", 200_000_000)
    decoded = engine.decode_fitted(opened, largest) or engine.decode_opened(opened, largest)
    return engine.render_variants(decoded.image, DEFAULT_VARIANTS, decoded.profile)


def in_display_p3(data: bytes) -> bytes:
    """The same photo as an iPhone stores it: converted to Display P3, the profile embedded."""
    p3 = icc.profile_bytes(icc.DISPLAY_P3)
    srgb = ImageCms.createProfile("sRGB")
    transform = ImageCms.buildTransform(srgb, ImageCms.ImageCmsProfile(io.BytesIO(p3)), "RGB", "RGB")
    converted = ImageCms.applyTransform(Image.open(io.BytesIO(data)), transform)
    assert converted is not None
    buffer = io.BytesIO()
    converted.save(buffer, "JPEG", quality=92, icc_profile=p3)
    return buffer.getvalue()


def run_naive_pillow(data: bytes) -> None:
    """What a first implementation does: full decode, then each variant from the original."""
    original = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    for spec in DEFAULT_VARIANTS:
        copy = original.copy()
        copy.thumbnail((spec.max_size, spec.max_size), Image.Resampling.LANCZOS)
        copy.convert("RGB").save(io.BytesIO(), "JPEG", quality=85)


def run_vips(data: bytes, quality: int | None = engine.JPEG_QUALITY) -> list[bytes]:
    """libvips' thumbnail, which also converts an embedded profile to sRGB; quality None is
    its default (75)."""
    import pyvips

    options = f"[Q={quality},strip]" if quality else "[strip]"
    return [
        pyvips.Image.thumbnail_buffer(data, spec.max_size, height=spec.max_size).write_to_buffer(".jpg" + options)
        for spec in DEFAULT_VARIANTS
    ]


# VmHWM (peak resident set) starts afresh at exec, unlike ru_maxrss, which a child inherits.
PEAK_PROBE = """
import sys, time
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from photopipe.images import engine, icc, placeholder
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.providers.ondevice import OnDeviceProvider
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


def engine_section(repeat: int) -> dict[str, Any]:
    data = photo_jpeg(4000, 3000)
    p3 = in_display_p3(data)
    actions: dict[str, Callable[[], object]] = {
        "ours": lambda: run_engine(data),
        "ours_p3": lambda: run_engine(p3),
        "naive": lambda: run_naive_pillow(data),
    }
    try:
        import pyvips  # noqa: F401

        actions |= {"vips": lambda: run_vips(data), "vips_p3": lambda: run_vips(p3)}
    except ImportError:
        pass  # pyvips is a bench-only extra; `make bench` installs it
    medians = paired_medians(actions, repeat)
    ours, ours_p3, naive = medians["ours"], medians["ours_p3"], medians["naive"]
    vips, vips_p3 = medians.get("vips"), medians.get("vips_p3")
    with tempfile.NamedTemporaryFile(suffix=".jpg") as big:
        big.write(photo_jpeg(8000, 6000))
        big.flush()
        probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
            [sys.executable, "-c", PEAK_PROBE, big.name], check=True, capture_output=True, text=True
        )
        before_kb, after_kb, seconds_48 = probe.stdout.split()
    return {
        "input": f"12 MP JPEG (4000x3000), default variants 256/1024/2048 JPEG q{engine.JPEG_QUALITY}",
        "engine_ms": round(ours * 1000, 1),
        "engine_display_p3_ms": round(ours_p3 * 1000, 1),
        "colour_management_cost": round(ours_p3 / ours - 1, 3),
        "naive_pillow_ms": round(naive * 1000, 1),
        "vips_thumbnail_ms": round(vips * 1000, 1) if vips else None,
        "vips_thumbnail_display_p3_ms": round(vips_p3 * 1000, 1) if vips_p3 else None,
        "engine_vs_naive": round(ours / naive, 2),
        "engine_vs_vips": round(ours / vips, 2) if vips else None,
        "engine_vs_vips_display_p3": round(ours_p3 / vips_p3, 2) if vips_p3 else None,
        "peak_rss_48mp_mb": round(int(after_kb) / 1024, 1),
        "rss_before_48mp_mb": round(int(before_kb) / 1024, 1),
        "engine_48mp_ms": round(float(seconds_48) * 1000, 1),
        "repeat": repeat,
    }
