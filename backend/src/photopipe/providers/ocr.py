"""Text on the CPU: PaddleOCR's PP-OCRv4 detection and recognition models (Apache-2.0), as the
ONNX files the `rapidocr-onnxruntime` wheel ships (its Python code needs OpenCV and is not used).

Detection (DBNet) gives a text-probability map of the preview; lines are its connected regions,
grown by DBNet's unclip ratio. Each line is cut from the preview, scaled to the recogniser's
48 px height and read by CTC greedy decoding over the model's own character list (Chinese and
Latin). The reference post-processing uses OpenCV's contours and rotated rectangles; here lines
are axis-aligned boxes from a run-length connected-component pass in numpy, which reads upright
text (what the worker's EXIF-oriented preview holds) and skips the angle classifier.
"""

from __future__ import annotations

import math
from typing import Any

from PIL import Image

from photopipe.providers.runtime import OnnxModel

_WHEEL = "rapidocr-onnxruntime"
_PROBABILITY = 0.3  # a pixel is text above this (DBNet's threshold)
_MIN_BOX_SCORE = 0.5  # a region's mean probability
_UNCLIP_RATIO = 1.6
_MIN_TEXT_CONFIDENCE = 0.5  # the recogniser's mean character probability
# The recogniser's cost grows with the total width of the lines it reads (48 px high each):
# about 0.15 ms a pixel of width on one core. A page of small print would be 40 lines of the
# widest kind, ~11 s; these bound a photo's reading to ~1.2 s, its most prominent lines first.
_MAX_LINES = 40
_MAX_TOTAL_WIDTH = 8000
_LINE_HEIGHT = 48
_MIN_LINE_WIDTH = 320
_MAX_LINE_WIDTH = 48 * 40
_BATCH = 6


class TextReader:
    def __init__(self, detector: OnnxModel | None = None, recogniser: OnnxModel | None = None) -> None:
        self._detector = detector or OnnxModel("rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx", _WHEEL)
        self._recogniser = recogniser or OnnxModel("rapidocr_onnxruntime", "models/ch_PP-OCRv4_rec_infer.onnx", _WHEEL)
        self._characters: list[str] | None = None

    def read(self, image: Image.Image) -> list[dict[str, Any]]:
        """Lines as {text, confidence (percent), box (ratios of the image)}, top to bottom."""
        rgb = image.convert("RGB")
        lines = []
        boxes = self.detect(rgb)
        for box, (text, confidence) in zip(boxes, self.recognise(rgb, boxes), strict=True):
            if text and confidence >= _MIN_TEXT_CONFIDENCE:
                lines.append(
                    {
                        "text": text,
                        "confidence": round(confidence * 100, 1),
                        "box": {
                            "left": round(box[0] / rgb.width, 4),
                            "top": round(box[1] / rgb.height, 4),
                            "width": round((box[2] - box[0]) / rgb.width, 4),
                            "height": round((box[3] - box[1]) / rgb.height, 4),
                        },
                    }
                )
        return lines

    def detect(self, image: Image.Image) -> list[tuple[int, int, int, int]]:
        """Text lines as pixel boxes of the image, top to bottom then left to right."""
        import numpy as np

        # DBNet wants sides in multiples of 32; the preview is not enlarged (the cost is in pixels).
        width, height = (max(32, round(side / 32) * 32) for side in image.size)
        pixels = np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)
        tensor = (pixels[:, :, ::-1] / 127.5 - 1.0).transpose(2, 0, 1)[np.newaxis].copy()  # BGR, as trained
        probability = self._detector.run(tensor)[0, 0]
        mask = probability > _PROBABILITY
        # DBNet's 2x2 dilation joins the characters of a line that the threshold split.
        mask[1:, :] |= mask[:-1, :].copy()
        mask[:, 1:] |= mask[:, :-1].copy()
        found = []
        for left, top, right, bottom in _regions(mask):
            box_w, box_h = right - left, bottom - top
            if min(box_w, box_h) < 3:
                continue
            region = probability[top:bottom, left:right]
            if float(region[mask[top:bottom, left:right]].mean()) < _MIN_BOX_SCORE:
                continue
            grow = box_w * box_h * _UNCLIP_RATIO / (2 * (box_w + box_h))  # DBNet's unclip offset
            scale_x, scale_y = image.width / width, image.height / height
            found.append(
                (
                    max(0, round((left - grow) * scale_x)),
                    max(0, round((top - grow) * scale_y)),
                    min(image.width, round((right + grow) * scale_x)),
                    min(image.height, round((bottom + grow) * scale_y)),
                )
            )
        return sorted(within_budget(found), key=lambda b: (b[1], b[0]))

    def recognise(self, image: Image.Image, boxes: list[tuple[int, int, int, int]]) -> list[tuple[str, float]]:
        """(text, mean character probability) for each box; batches of similar widths."""
        import numpy as np

        crops = [image.crop(box) for box in boxes]
        widths = [_line_width(box) for box in boxes]
        order = sorted(range(len(crops)), key=lambda i: widths[i])
        read: dict[int, tuple[str, float]] = {}
        for start in range(0, len(order), _BATCH):
            batch = order[start : start + _BATCH]
            padded = max(_MIN_LINE_WIDTH, max(widths[i] for i in batch))
            tensor = np.zeros((len(batch), 3, _LINE_HEIGHT, padded), dtype=np.float32)
            for row, index in enumerate(batch):
                line = crops[index].resize((widths[index], _LINE_HEIGHT), Image.Resampling.BILINEAR)
                pixels = np.asarray(line, dtype=np.float32)[:, :, ::-1] / 127.5 - 1.0
                tensor[row, :, :, : widths[index]] = pixels.transpose(2, 0, 1)
            for row, scores in enumerate(self._recogniser.run(tensor)):
                read[batch[row]] = self._decode(scores)
        return [read[i] for i in range(len(crops))]

    def _decode(self, scores: Any) -> tuple[str, float]:
        """CTC greedy decoding: repeats merged, blanks (index 0) dropped."""
        import numpy as np

        characters = self._character_list()
        best = scores.argmax(axis=1)
        keep = np.ones(len(best), dtype=bool)
        keep[1:] = best[1:] != best[:-1]
        keep &= best != 0
        if not keep.any():
            return "", 0.0
        text = "".join(characters[i] for i in best[keep] if i < len(characters))
        return text.strip(), float(scores.max(axis=1)[keep].mean())

    def _character_list(self) -> list[str]:
        if self._characters is None:
            # The model carries its alphabet; CTC adds the blank first and a space last.
            meta = self._recogniser.session().get_modelmeta().custom_metadata_map
            self._characters = ["", *meta["character"].splitlines(), " "]
        return self._characters


def _line_width(box: tuple[int, int, int, int]) -> int:
    """The width a line is read at, scaled to the recogniser's height."""
    width, height = box[2] - box[0], box[3] - box[1]
    return min(_MAX_LINE_WIDTH, max(1, math.ceil(_LINE_HEIGHT * width / max(1, height))))


def within_budget(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The largest lines, while they fit _MAX_LINES and _MAX_TOTAL_WIDTH."""
    kept, total = [], 0
    for box in sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)[:_MAX_LINES]:
        total += _line_width(box)
        if total > _MAX_TOTAL_WIDTH:
            break
        kept.append(box)
    return kept


def _regions(mask: Any) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (left, top, right, bottom; exclusive) of the 8-connected regions of a
    boolean map: its runs per row, joined with the overlapping runs of the row above through a
    union-find. The loop is over runs, a few thousand on a page, not over pixels.
    (No well-kept connected-components library fits the layer without SciPy or OpenCV.)"""
    import numpy as np

    edges = np.diff(mask.astype(np.int8), axis=1, prepend=0, append=0)
    parent: list[int] = []

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    runs: list[tuple[int, int, int]] = []  # (row, start, end)
    previous: list[tuple[int, int, int]] = []  # (start, end, run index) of the row above
    for row in range(mask.shape[0]):
        starts = np.flatnonzero(edges[row] == 1).tolist()
        ends = np.flatnonzero(edges[row] == -1).tolist()
        current = []
        above = 0
        for start, end in zip(starts, ends, strict=True):
            index = len(runs)
            runs.append((row, start, end))
            parent.append(index)
            current.append((start, end, index))
            while above < len(previous) and previous[above][1] < start:  # ends before this, diagonals too
                above += 1
            touching = above
            while touching < len(previous) and previous[touching][0] <= end:
                a, b = root(previous[touching][2]), root(index)
                if a != b:
                    parent[b] = a
                touching += 1
        previous = current
    boxes: dict[int, list[int]] = {}
    for index, (row, start, end) in enumerate(runs):
        box = boxes.setdefault(root(index), [start, row, end, row + 1])
        box[0], box[2], box[3] = min(box[0], start), max(box[2], end), row + 1
    return [(b[0], b[1], b[2], b[3]) for b in boxes.values()]
