"""The typed analysis: what every provider fills reads back unchanged through the API's model."""

from __future__ import annotations

from typing import Any

from photopipe.contract.models import Analysis, JobResponse
from photopipe.images import pipeline, rendering
from photopipe.images.rendering import MemoryBudget
from photopipe.images.variants import VariantSpec
from photopipe.providers.local import LocalProvider
from tests.support.images import photo

FULL: dict[str, Any] = {
    "width": 4032,
    "height": 3024,
    "sourceFormat": "image/heic",
    "orientation": 6,
    "placeholder": {"thumbhash": "1QcSHQRnh493V4dIh4eXh1h4kJUI"},
    "capturedAt": "2026-05-01T10:20:30+02:00",
    "camera": {"make": "Apple", "model": "iPhone 15 Pro", "lens": "main camera"},
    "location": {"latitude": 52.37, "longitude": 4.89},
    "provider": "rekognition",
    "faces": [
        {
            "box": {"left": 0.1, "top": 0.2, "width": 0.3, "height": 0.4},
            "confidence": 99.2,
            "landmarks": [{"type": "eyeLeft", "x": 0.2, "y": 0.3}],
        }
    ],
    "smartCrop": {"focus": "faces", "box": {"left": 0.0, "top": 0.1, "width": 0.75, "height": 1.0}},
    "moderation": [{"name": "Smoking", "confidence": 71.2, "parent": "Tobacco"}],
    "text": [{"text": "EXIT", "confidence": 98.0, "box": {"left": 0.4, "top": 0.1, "width": 0.2, "height": 0.05}}],
    "labels": [{"name": "Person", "confidence": 99.0}],
    "dominantColors": ["#112233", "#aabbcc"],
    "perceptualHash": "f0e1d2c3b4a59687",
    "sharpness": 120.5,
    "brightness": 0.42,
    "hasAlpha": False,
}


def answered(analysis: dict[str, Any]) -> Any:
    return Analysis.model_validate(analysis).model_dump(mode="json", by_alias=True)


def test_every_field_reads_back_unchanged() -> None:
    assert answered(FULL) == FULL


def test_fields_a_provider_left_out_stay_out_rather_than_null() -> None:
    minimal = {k: FULL[k] for k in ("width", "height", "sourceFormat", "orientation", "placeholder")}

    assert answered(minimal) == minimal


def test_what_the_local_provider_fills_has_a_typed_field_for_each_key() -> None:
    request = rendering.RenderRequest((VariantSpec("small", 100),))
    limits = rendering.RenderLimits(max_image_pixels=50_000_000, max_full_decode_pixels=20_000_000)
    analysis = pipeline.render(
        photo(640, 480), "image/jpeg", request, LocalProvider(), MemoryBudget(2**29), limits
    ).analysis

    assert answered(analysis) == analysis


def test_the_documented_schema_names_every_field_and_allows_no_others() -> None:
    schema = JobResponse.model_json_schema(by_alias=True)["$defs"]["Analysis"]

    assert set(schema["properties"]) == set(FULL)
    assert schema.get("additionalProperties") is not True


def test_a_face_a_hair_outside_the_frame_still_reads_back_rather_than_failing_the_answer() -> None:
    edge = {
        **FULL,
        "faces": [{"box": {"left": -0.0012, "top": 0.2, "width": 0.3, "height": 1.0004}, "confidence": 88.0}],
    }

    assert answered(edge) == edge
