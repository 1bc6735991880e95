"""Section `ondevice`: the on-device models' time per photo, load time, layer sizes and accuracy."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from PIL import Image

from bench.common import median_seconds
from devkit.stack import ROOT

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
    from devkit.build_lambdas import CODE_ZIP, LAYERS, unzipped_bytes

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
