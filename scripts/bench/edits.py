"""Section `edits`: the on-device model edits on one core, the subject mask's accuracy on the
tests' labelled set, and the worker's unzipped size against Lambda's 250 MiB."""

from __future__ import annotations

import statistics
import sys
from typing import Any

from bench.common import median_seconds
from bench.ondevice import layer_sizes
from devkit.stack import ROOT


def edits_section(repeat: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))  # the labelled sets are the tests' own
    from photopipe.images.edits import BlurBackgroundEdit, RedactFacesEdit, RemoveBackgroundEdit
    from photopipe.providers.moderation import ModerationPolicy
    from photopipe.providers.ondevice import OnDeviceProvider
    from photopipe.providers.subject import SubjectMasker
    from tests.support import faces, subjects

    provider = OnDeviceProvider(ModerationPolicy(frozenset(), 80))
    photo = subjects.labelled_set()[0].image.resize((1600, 1200))
    portrait = faces.sample("astronaut.png").resize((1600, 1600))
    provider.edit(photo, RemoveBackgroundEdit())  # the sessions load once per process: not timed
    provider.edit(portrait, RedactFacesEdit())
    ops = {
        "remove_background_ms": lambda: provider.edit(photo, RemoveBackgroundEdit()),
        "blur_background_ms": lambda: provider.edit(photo, BlurBackgroundEdit()),
        "redact_faces_blur_ms": lambda: provider.edit(portrait, RedactFacesEdit(style="blur")),
        "redact_faces_pixelate_ms": lambda: provider.edit(portrait, RedactFacesEdit(style="pixelate")),
    }
    result: dict[str, Any] = {name: round(median_seconds(op, repeat) * 1000) for name, op in ops.items()}
    masker = SubjectMasker()
    scores = [subjects.iou(masker.mask(case.image), case.truth) for case in subjects.labelled_set()]
    result["subject_mask_mean_iou"] = round(statistics.mean(scores), 3)
    result["subject_mask_lowest_iou"] = round(min(scores), 3)
    result["worker_unzipped_mib"] = layer_sizes().get("worker_unzipped_mib", "run make build first")
    result["case"] = "1600x1200 photo (background ops), 1600 px portrait (faces), one core; IoU on 15 cut-out photos"
    return result
