#!/usr/bin/env python3
"""`make bench`: numbers a user can reproduce, written as JSON and printed as a table.

Sections (each can be skipped with --skip NAME):
  engine    the worker's engine vs naive Pillow vs libvips thumbnail on a 12 MP JPEG, the same
            photo in Display P3 (the cost of colour management), and peak memory for a 48 MP
            input (a separate process, so the reading is its own)
  colour    colour error (delta E) of the tests' wide-gamut and CMYK samples, before and after
  ondevice  the on-device models (faces, moderation, text): ms per photo on one core, each
            model's first-photo load time, the worker's layer sizes, and accuracy on the tests'
            labelled sets
  quality   bytes and SSIM (against a float reference downscale) of each default variant next
            to libvips' `thumbnail` at its defaults, and the JPEG quality sweep behind our setting
  latency   warm API calls (health, a job in flight, a finished job) and a 12 MP photo's one small
            variant seen by a client polling every 20 ms (analysis off)
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

from PIL import Image, ImageCms, ImageOps

from client import PhotopipeClient, wait_until
from photopipe.images import engine, icc, placeholder
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.providers.moderation import ModerationPolicy
from photopipe.providers.ocr import TextReader
from photopipe.providers.ondevice import OnDeviceProvider
from stack import ROOT, Stack

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


def run_engine(data: bytes) -> list[engine.Rendition]:
    largest = max(v.max_size for v in DEFAULT_VARIANTS)
    decoded = engine.decode(data, "image/jpeg", 200_000_000, largest)
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


def edges_jpeg(width: int, height: int) -> bytes:
    """Hard edges and flat colour (shapes, text-like bars): where chroma subsampling and low
    quality show, unlike photo_jpeg's noise."""
    from PIL import ImageDraw

    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 397) % width, (i * 263) % height
        draw.ellipse((x, y, x + width // 10, y + height // 10), fill=((i * 53) % 256, (i * 97) % 256, 40))
        draw.rectangle((0, i * height // 40, width, i * height // 40 + 6), fill=(255, 0, 0) if i % 2 else (0, 0, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, subsampling=0)
    return buffer.getvalue()


def ssim(image: Image.Image, reference: Image.Image) -> float:
    """Mean SSIM on luma (Wang et al. 2004: 11-tap Gaussian, sigma 1.5, K1 0.01, K2 0.03)."""
    import numpy as np

    def luma(img: Image.Image) -> Any:
        return np.asarray(img.convert("L"), dtype=np.float64)

    def blur(values: Any) -> Any:
        taps = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5**2))
        taps /= taps.sum()
        rows = np.apply_along_axis(lambda r: np.convolve(r, taps, mode="valid"), 1, values)
        return np.apply_along_axis(lambda c: np.convolve(c, taps, mode="valid"), 0, rows)

    x, y = luma(image), luma(reference)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    score = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(score.mean())


def _reference(full: Image.Image, size: tuple[int, int]) -> Image.Image:
    return full.resize(size, Image.Resampling.LANCZOS)  # no draft, no reduce(): the best Pillow does


def _jpeg(image: Image.Image, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **params)
    return buffer.getvalue()


def colour_section() -> dict[str, Any]:
    """Worst delta E of the tests' own samples, read as sRGB (before) and through the engine."""
    sys.path.insert(0, str(ROOT))  # the samples are the tests' fixtures, made there
    import pyvips

    from tests.support import colour

    def through_engine(data: bytes, content_type: str, count: int) -> list[Any]:
        decoded = engine.decode(data, content_type, 50_000_000, 512)
        (out,) = engine.render_variants(decoded.image, [VariantSpec("v", 512, "png")], decoded.profile)
        return colour.centres(Image.open(io.BytesIO(out.body)), count)

    every = colour.CENTRE + colour.EDGES
    samples = {
        f"{name}_{fmt.lower()}": (colour.wide_photo(space, fmt), f"image/{fmt.lower().replace('heif', 'heic')}", every)
        for name, space in colour.SPACES.items()
        for fmt in ("PNG", "JPEG", "HEIF", "AVIF")
    }
    samples["display-p3_10bit_heic_nclx"] = (
        colour.ten_bit_heic(colour.patches(every), colour.P3_NCLX),
        "image/heic",
        every,
    )
    samples["cmyk_jpeg"] = (colour.cmyk_photo(), "image/jpeg", colour.CENTRE)
    result: dict[str, Any] = {"measure": "worst CIE76 delta E over the patches (1 = just visible)"}
    for name, (data, content_type, expected) in samples.items():
        stored = Image.open(io.BytesIO(data))
        before = colour.worst(expected, colour.centres(stored.convert("RGB"), len(expected)))
        after = colour.worst(expected, through_engine(data, content_type, len(expected)))
        result[name] = f"before {before:.1f}, after {after:.2f}"
    reference = pyvips.Image.new_from_buffer(samples["cmyk_jpeg"][0], "").icc_transform("srgb", intent="relative")
    vips_found = colour.centres(Image.open(io.BytesIO(reference.pngsave_buffer())), len(colour.CENTRE))
    result["cmyk_jpeg_libvips_round_trip"] = f"{colour.worst(colour.CENTRE, vips_found):.2f}"
    return result


ONDEVICE_PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from tests.support import faces, words
from photopipe.providers import faces as face_detection, nsfw, ocr, ondevice
preview = faces.sample("astronaut.png").resize((768, 768))
sign = words.sign((768, 512))
first = {}
for name, run in (
    ("faces", lambda: face_detection.FaceDetector().detect_once(preview)),  # numpy, LiteRT, the model
    ("moderation", lambda: nsfw.NsfwClassifier().score(preview)),  # onnxruntime, the model
    ("text", lambda: ocr.TextReader().read(sign)),  # two more sessions
):
    started = time.perf_counter()
    run()
    first[name] = time.perf_counter() - started
print(json.dumps(first))
"""


def ondevice_section(repeat: int) -> dict[str, Any]:
    """Each model on one thread, as the worker runs each record, on the 768 px preview."""
    sys.path.insert(0, str(ROOT))  # the labelled sets are the tests' own
    from photopipe.providers import faces as face_detection
    from photopipe.providers import nsfw, ocr, ondevice
    from tests.support import faces, words

    probe = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", ONDEVICE_PROBE, str(ROOT)], check=True, capture_output=True, text=True
    )
    first = json.loads(probe.stdout)
    detector, classifier, reader = face_detection.FaceDetector(), nsfw.NsfwClassifier(), ocr.TextReader()
    preview = faces.sample("astronaut.png").resize((768, 768))
    sign = words.sign((768, 512))
    score = faces.Score()
    for case in faces.labelled_set():
        image = case.image.copy()
        image.thumbnail((ondevice.PREVIEW_SIDE, ondevice.PREVIEW_SIDE), Image.Resampling.LANCZOS)
        score.add(case.faces, faces.boxes(detector.detect(image)))
    clean = [*faces.NO_FACE_PHOTOS, "astronaut.png", "camera.png"]
    page = faces.sample("page.png")
    page.thumbnail((ondevice.PREVIEW_SIDE, ondevice.PREVIEW_SIDE), Image.Resampling.LANCZOS)
    read_sign = [line["text"] for line in reader.read(sign)]
    clean_scores = [classifier.score(faces.sample(name)) for name in clean]
    result: dict[str, Any] = {
        "faces_model": f"BlazeFace full range ({face_detection.FULL_RANGE.input_side} px), LiteRT, 1 thread",
        "faces_one_run_ms": round(median_seconds(lambda: detector.detect_once(preview), repeat * 4) * 1000, 1),
        "faces_per_photo_ms": round(median_seconds(lambda: detector.detect(preview), repeat) * 1000, 1),
        "moderation_model": "open_nsfw (224 px), ONNX Runtime, 1 thread",
        "moderation_per_photo_ms": round(median_seconds(lambda: classifier.score(preview), repeat * 2) * 1000, 1),
        "text_model": "PP-OCRv4 detection + recognition, ONNX Runtime, 1 thread",
        "text_per_photo_no_words_ms": round(median_seconds(lambda: reader.read(preview), repeat) * 1000, 1),
        "text_per_photo_two_lines_ms": round(median_seconds(lambda: reader.read(sign), repeat) * 1000, 1),
        "text_per_page_ms": round(median_seconds(lambda: reader.read(page), repeat) * 1000, 1),
        "first_photo_load_s": {name: round(seconds, 2) for name, seconds in first.items()},
        "faces_precision": round(score.precision, 3),
        "faces_recall": round(score.recall, 3),
        "faces_labelled": f"{score.truths} faces in {len(faces.labelled_set())} images, {score.detections} detections",
        "moderation_false_positives": f"{sum(s >= 0.6 for s in clean_scores)} of {len(clean)} clean photos"
        f" (highest score {max(clean_scores):.3f})",
        "text_sign_lines_read": f"{sum(map(str.__eq__, read_sign, words.SIGN))} of {len(words.SIGN)}",
        "text_page_lines": len(reader.read(page)),
    }
    result.update(layer_sizes())
    return result


def layer_sizes() -> dict[str, str]:
    """The worker's code and layers as `make build` left them: zipped and unzipped MiB."""
    from build_lambdas import CODE_ZIP, LAYERS, unzipped_bytes

    built = ROOT / "build" / "lambda"
    sizes = {}
    total = 0
    for part in [built / CODE_ZIP] + [built / f"{name}-x86_64.zip" for name in LAYERS]:
        if part.exists():
            unzipped = unzipped_bytes(part)
            total += unzipped
            sizes[f"{part.stem}_mib"] = f"{part.stat().st_size / 2**20:.1f} zipped, {unzipped / 2**20:.1f} unzipped"
    if total:
        sizes["worker_unzipped_mib"] = f"{total / 2**20:.1f} of Lambda's 250"
    return sizes


def quality_section() -> dict[str, Any]:
    try:
        import numpy  # noqa: F401
        import pyvips  # noqa: F401
    except ImportError:
        return {"skipped": "needs the bench extra (numpy, pyvips): `make bench` installs it"}
    sources = {"photo": photo_jpeg(4000, 3000), "edges": edges_jpeg(4000, 3000)}
    result: dict[str, Any] = {"reference": "Pillow Lanczos from the full 8-bit decode, per output size"}
    for label, data in sources.items():
        full = Image.open(io.BytesIO(data)).convert("RGB")
        ours = run_engine(data)
        theirs = run_vips(data, quality=None)
        for spec, mine, vips_bytes in zip(DEFAULT_VARIANTS, ours, theirs, strict=True):
            vips_image = Image.open(io.BytesIO(vips_bytes))
            ours_image = Image.open(io.BytesIO(mine.body))
            ours_ssim = ssim(ours_image, _reference(full, ours_image.size))
            vips_ssim = ssim(vips_image, _reference(full, vips_image.size))
            key = f"{label}_{spec.name}"
            result[f"{key}_bytes"] = len(mine.body)
            result[f"{key}_vips_bytes"] = len(vips_bytes)
            result[f"{key}_bytes_vs_vips"] = round(len(mine.body) / len(vips_bytes), 3)
            result[f"{key}_ssim"] = round(ours_ssim, 4)
            result[f"{key}_vips_ssim"] = round(vips_ssim, 4)
        # The sweep behind JPEG_QUALITY: the 1024 px variant at each setting.
        medium = _reference(full, engine.fit_within(full.size, 1024))
        for quality in (70, 75, 80, 82, 85, 90):
            for subsampling, name in ((2, "420"), (0, "444")):
                body = _jpeg(medium, quality=quality, subsampling=subsampling, optimize=True)
                score = ssim(Image.open(io.BytesIO(body)), medium)
                result[f"{label}_sweep_q{quality}_{name}"] = f"{len(body)} B, SSIM {score:.4f}"
        for fmt in ("webp", "avif"):
            started = time.perf_counter()
            body, _, _ = engine.encode(medium, fmt)
            took = (time.perf_counter() - started) * 1000
            score = ssim(Image.open(io.BytesIO(body)), medium)
            result[f"{label}_medium_{fmt}"] = f"{len(body)} B, SSIM {score:.4f}, {took:.0f} ms"
        large = _reference(full, engine.fit_within(full.size, 2048))
        baseline = len(_jpeg(large, quality=engine.JPEG_QUALITY, optimize=True))
        progressive = len(_jpeg(large, quality=engine.JPEG_QUALITY, progressive=True))
        result[f"{label}_large_progressive_vs_baseline"] = round(progressive / baseline, 3)
    return result


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
        job = client.wait_for_job(created["jobId"], timeout=120, interval=0.02)
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


LATENCY_CALLS = 60
LATENCY_JOBS = 20
LATENCY_WARM_UP = 4


def latency_section(stack: Stack) -> dict[str, Any]:
    """What a client waits for: warm API calls, and a photo's result seen by polling every 20 ms.

    The emulator's own cost per invocation is the warm call minus the handler's time in-process
    (under 1 ms for health), so `health_ms` is nearly all emulator and HTTP.
    """
    client = PhotopipeClient.for_user(stack, f"bench-{uuid.uuid4().hex[:8]}")

    def timed(call: Callable[[], object]) -> list[float]:
        for _ in range(5):  # warm: every process the emulator keeps for the function
            call()
        samples = []
        for _ in range(LATENCY_CALLS):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    health = timed(lambda: client.request("GET", "/v1/health", 200))
    waiting = client.create_job("image/jpeg", 1000)["jobId"]
    get_pending = timed(lambda: client.get_job(waiting))
    data = photo_jpeg(4000, 3000)
    operations = {"analysis": False, "variants": [{"name": "small", "maxSize": 400, "format": "jpeg"}]}
    seen, worker = [], []
    for index in range(LATENCY_WARM_UP + LATENCY_JOBS):
        created = client.create_job("image/jpeg", len(data), operations=operations)
        client.upload(created["upload"], data).raise_for_status()
        uploaded = time.perf_counter()
        job = client.wait_for_job(created["jobId"], timeout=60, interval=0.02)
        if index >= LATENCY_WARM_UP:  # the first ones start worker processes
            seen.append((time.perf_counter() - uploaded) * 1000)
            worker.append(float(job["processingMs"]))
    get_completed = timed(lambda: client.get_job(job["jobId"]))

    def summary(samples: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(samples, 0.5), 1), "p95": round(percentile(samples, 0.95), 1)}

    return {
        "health_ms": summary(health),
        "get_job_in_flight_ms": summary(get_pending),
        "get_job_completed_ms": summary(get_completed),
        "upload_to_completed_seen_ms": summary(seen),
        "worker_processing_ms": summary(worker),
        "case": f"{LATENCY_JOBS} jobs: 12 MP JPEG -> one 400 px JPEG, analysis off, polled every 20 ms",
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


WATCH_PROBE = ROOT / "backend" / "src" / "photopipe" / "handlers" / "logs.py"


def watch_section(stack: Stack, edits: int = 10) -> dict[str, Any]:
    """Edit to effect under `make watch`: a comment appended to a module, timed from the save
    to the first `GET /v1/health` answering the new build (polled every 20 ms). The file is
    restored afterwards and the stack left on the checkout's build."""
    import requests

    import build_lambdas

    original = WATCH_PROBE.read_bytes()
    watcher = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(ROOT / "scripts" / "watch.py")],
        cwd=ROOT / "scripts",
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PHOTOPIPE_OUTPUTS": str(stack.directory / "outputs.json")},
    )
    assert watcher.stdout is not None
    session = requests.Session()

    def running() -> str:
        # Mid-update an emulator may answer with its own error (LocalStack: a 502 without a build).
        response = session.get(f"{stack.api_base_url}/v1/health", timeout=30)
        return str(response.json().get("build") if response.ok else f"{response.status_code} {response.text[:200]}")

    def wait_for_line(build: str) -> None:
        for line in watcher.stdout:  # type: ignore[union-attr]
            if f"build {build[:12]}" in line:
                return

    samples: list[float] = []
    try:
        for line in watcher.stdout:
            if "[watch] watching" in line:
                break
        for edit in range(edits):
            WATCH_PROBE.write_bytes(original + f"# watch probe {edit}\n".encode())
            saved = time.perf_counter()
            build = build_lambdas.code_build_id()
            wait_until(running, build.__eq__, 60, f"the api on build {build[:12]}", interval=0.02)
            samples.append(time.perf_counter() - saved)
            wait_for_line(build)  # every function reloaded: the next edit starts from quiet
    finally:
        WATCH_PROBE.write_bytes(original)
        wait_for_line(build_lambdas.code_build_id())
        watcher.terminate()
        watcher.wait(timeout=10)
    return {
        "edit_to_api_effect_p50_s": round(statistics.median(samples), 2),
        "edit_to_api_effect_max_s": round(max(samples), 2),
        "edits": edits,
    }


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


SECTIONS = [
    *("engine", "colour", "ondevice", "quality"),  # in-process
    *("latency", "pipeline", "burst", "cold", "watch", "deploy", "memory"),  # on the running stack, mostly
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
    if "engine" not in args.skip:
        results["engine"] = engine_section(args.repeat)
    if "colour" not in args.skip:
        results["colour"] = colour_section()
    if "ondevice" not in args.skip:
        results["ondevice"] = ondevice_section(args.repeat)
    if "quality" not in args.skip:
        results["quality"] = quality_section()
    stack = Stack.load() if {"latency", "pipeline", "burst", "cold", "watch", "deploy"} - set(args.skip) else None
    if stack and "latency" not in args.skip:
        results["latency"] = latency_section(stack)
    if stack and "pipeline" not in args.skip:
        results["pipeline"] = pipeline_section(stack, args.jobs)
    if stack and "burst" not in args.skip:
        results["burst"] = burst_section(stack, args.burst)
    if stack and "cold" not in args.skip:
        results["cold"] = cold_section(stack)
    if stack and "watch" not in args.skip:
        results["watch"] = watch_section(stack)
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
