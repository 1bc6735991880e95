"""Moderation in one shape for every provider, and the deployment's blocking policy.

Labels are `{name, confidence, parent?}` with Rekognition's names (its taxonomy v7: "Explicit
Nudity" under "Explicit", "Graphic Violence" under "Violence", ...). A label is reported from
REPORT_FLOOR percent; the policy rejects the job when a label, or its parent, is a blocked
category at or above the deployment's minimum confidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from photopipe.errors import ErrorCode, PermanentImageError

REPORT_FLOOR = 60.0


@dataclass(frozen=True)
class ModerationPolicy:
    blocked_categories: frozenset[str]
    min_confidence: float = 80.0

    def enforce(self, labels: Iterable[dict[str, Any]]) -> None:
        for label in labels:
            names = {label["name"], label.get("parent")}
            blocked = sorted(str(name) for name in names if name in self.blocked_categories)
            if blocked and float(label["confidence"]) >= self.min_confidence:
                raise PermanentImageError(
                    ErrorCode.MODERATION_REJECTED,
                    f"The image was rejected by moderation ({blocked[0]}, {label['confidence']}%).",
                )
