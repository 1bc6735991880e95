"""Amazon Rekognition on top of the local analysis, in the shape every provider fills.

DetectFaces -> `faces`, DetectModerationLabels -> `moderation`, DetectText -> `text` (where the
deployment enables text detection), DetectLabels -> `labels`. Boxes are Rekognition's own
BoundingBox ratios of the image sent, which is the upright original scaled down, so they are
ratios of the oriented original as the contract says. Confidences are percentages.

Moderation can fail a job by the deployment's policy (providers/moderation.py): a permanent
MODERATION_REJECTED failure.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from PIL import Image

from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.images.edits import Edit, RedactFacesEdit
from photopipe.images.provider import Analysis
from photopipe.providers import redaction
from photopipe.providers.local import LocalProvider
from photopipe.providers.moderation import REPORT_FLOOR, ModerationPolicy

_MAX_SIDE = 1600  # well under Rekognition's 5 MB inline-bytes limit as JPEG
_TRANSIENT = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "InternalServerError",
    "ServiceUnavailableException",
}
# The role or the account, not the image: a missing permission must not fail every job.
_DEPLOYMENT = {
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "UnauthorizedOperation",
}


class RekognitionProvider:
    name = "rekognition"
    preview_side = _MAX_SIDE

    def __init__(
        self,
        rekognition: Any,
        policy: ModerationPolicy,
        detect_text: bool = False,
    ) -> None:
        self._client = rekognition
        self._policy = policy
        self._detect_text = detect_text
        self._local = LocalProvider()

    def analyse(self, image: Image.Image) -> Analysis:
        analysis = self._local.analyse(image)
        payload = {"Bytes": _jpeg(image)}
        labels = self._call(lambda: self._client.detect_labels(Image=payload, MaxLabels=15, MinConfidence=70))
        moderation = self._call(
            lambda: self._client.detect_moderation_labels(Image=payload, MinConfidence=REPORT_FLOOR)
        )
        faces = self._call(lambda: self._client.detect_faces(Image=payload, Attributes=["DEFAULT"]))
        text = self._call(lambda: self._client.detect_text(Image=payload)) if self._detect_text else None
        analysis["provider"] = self.name
        analysis["labels"] = [
            {"name": label["Name"], "confidence": _percent(label["Confidence"])} for label in labels.get("Labels", [])
        ]
        found = [_moderation_label(label) for label in moderation.get("ModerationLabels", [])]
        analysis["moderation"] = found
        analysis["faces"] = [_face(face) for face in faces.get("FaceDetails", [])]
        if text is not None:
            analysis["text"] = [
                {"text": line["DetectedText"], "confidence": _percent(line["Confidence"]), "box": _box(line)}
                for line in text.get("TextDetections", [])
                if line.get("Type") == "LINE"
            ]
        self._policy.enforce(found)
        return analysis

    def edit(self, image: Image.Image, edit: Edit) -> Image.Image:
        if isinstance(edit, RedactFacesEdit):
            # Rekognition finds the faces (DetectFaces on a copy of the image at its usual size);
            # the boxes are ratios, so they mark the full-size image the same.
            faces = self._call(lambda: self._client.detect_faces(Image={"Bytes": _jpeg(image)}, Attributes=["DEFAULT"]))
            return redaction.redact(image, [_face(face) for face in faces.get("FaceDetails", [])], edit.style)
        return self._local.edit(image, edit)

    def _call(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            return call()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _TRANSIENT:
                raise TransientError(f"Rekognition {code}") from exc
            if code in _DEPLOYMENT:
                raise DeploymentFault(f"Rekognition refused the worker's call ({code}): check its role") from exc
            raise PermanentImageError(ErrorCode.PROVIDER_REJECTED, f"Rekognition refused the image: {code}") from exc


def _percent(value: object) -> float:
    return round(float(value), 1)  # type: ignore[arg-type]


def _ratio(value: object) -> float:
    # Rekognition may return a box reaching past the frame (a face cut by the edge).
    return round(min(1.0, max(0.0, float(value))), 4)  # type: ignore[arg-type]


def _box(found: dict[str, Any]) -> dict[str, float]:
    box = found.get("BoundingBox") or found.get("Geometry", {}).get("BoundingBox", {})
    left, top = _ratio(box.get("Left", 0)), _ratio(box.get("Top", 0))
    return {
        "left": left,
        "top": top,
        "width": min(_ratio(box.get("Width", 0)), round(1 - left, 4)),
        "height": min(_ratio(box.get("Height", 0)), round(1 - top, 4)),
    }


def _face(face: dict[str, Any]) -> dict[str, Any]:
    return {
        "box": _box(face),
        "confidence": _percent(face.get("Confidence", 0)),
        "landmarks": [
            {"type": mark["Type"], "x": _ratio(mark["X"]), "y": _ratio(mark["Y"])} for mark in face.get("Landmarks", [])
        ],
    }


def _moderation_label(label: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"name": label["Name"], "confidence": _percent(label["Confidence"])}
    if label.get("ParentName"):
        found["parent"] = label["ParentName"]
    return found


def _jpeg(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((_MAX_SIDE, _MAX_SIDE))
    buffer = io.BytesIO()
    small.convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
