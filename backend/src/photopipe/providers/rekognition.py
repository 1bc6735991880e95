"""Amazon Rekognition: labels and moderation labels on top of the local analysis.

Moderation can fail a job by policy: a moderation label in `blocked_categories` at or above
`min_confidence` is a permanent MODERATION_REJECTED failure.
"""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import ClientError
from PIL import Image

from photopipe.errors import DeploymentFault, ErrorCode, PermanentImageError, TransientError
from photopipe.providers.base import Analysis
from photopipe.providers.local import LocalProvider

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

    def __init__(self, rekognition: Any, blocked_categories: frozenset[str], min_confidence: float = 80.0) -> None:
        self._client = rekognition
        self._blocked = blocked_categories
        self._min_confidence = min_confidence
        self._local = LocalProvider()

    def analyse(self, image: Image.Image) -> Analysis:
        analysis = self._local.analyse(image)
        payload = {"Bytes": _jpeg(image)}
        try:
            labels = self._client.detect_labels(Image=payload, MaxLabels=15, MinConfidence=70)
            moderation = self._client.detect_moderation_labels(Image=payload, MinConfidence=60)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _TRANSIENT:
                raise TransientError(f"Rekognition {code}") from exc
            if code in _DEPLOYMENT:
                raise DeploymentFault(f"Rekognition refused the worker's call ({code}): check its role") from exc
            raise PermanentImageError(ErrorCode.PROVIDER_REJECTED, f"Rekognition refused the image: {code}") from exc
        analysis["provider"] = self.name
        analysis["labels"] = [
            {"name": label["Name"], "confidence": round(float(label["Confidence"]), 1)}
            for label in labels.get("Labels", [])
        ]
        found = [
            {
                "name": label["Name"],
                "parent": label.get("ParentName", ""),
                "confidence": round(float(label["Confidence"]), 1),
            }
            for label in moderation.get("ModerationLabels", [])
        ]
        analysis["moderationLabels"] = found
        for label in found:
            category = label["parent"] or label["name"]
            if category in self._blocked and label["confidence"] >= self._min_confidence:
                raise PermanentImageError(
                    ErrorCode.MODERATION_REJECTED,
                    f"The image was rejected by moderation ({category}, {label['confidence']}%).",
                )
        return analysis

    def edit(self, image: Image.Image, spec: dict[str, Any]) -> Image.Image:
        return self._local.edit(image, spec)


def _jpeg(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((_MAX_SIDE, _MAX_SIDE))
    buffer = io.BytesIO()
    small.convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
