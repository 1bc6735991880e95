"""Section `upload`: a 40 MB photo uploaded in one PUT against in 8 MiB parts (two at once, then
the complete), on loopback to the emulator's S3, from POST /v1/jobs to the upload's end."""

from __future__ import annotations

import io
import uuid
from typing import Any

from PIL import Image

from bench.common import paired_medians
from devkit.client import PhotopipeClient
from devkit.stack import Stack


def forty_megabytes() -> bytes:
    """A PNG of noise (it does not compress): 40 MB."""
    side = 3650
    buffer = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise((side, side), 80 + 20 * i) for i in range(3)]).save(
        buffer, "PNG", compress_level=0
    )
    return buffer.getvalue()


def upload_section(stack: Stack, repeat: int) -> dict[str, Any]:
    data = forty_megabytes()
    # A user a run: the day's upload bytes are counted per user.
    client = PhotopipeClient.for_user(stack, f"bench-upload-{uuid.uuid4().hex[:8]}")

    def one_put() -> None:
        created = client.create_job("image/png", len(data))
        client.upload(created["upload"], data).raise_for_status()

    def in_parts() -> None:
        client.submit_in_parts(data, "image/png", parallel=2)

    medians = paired_medians({"one_put": one_put, "in_parts": in_parts}, repeat)
    return {
        "one_put_ms": round(medians["one_put"] * 1000),
        "in_parts_ms": round(medians["in_parts"] * 1000),
        "parts_over_one_put": round(medians["in_parts"] / medians["one_put"], 2),
        "photo_bytes": len(data),
        "case": f"40 MB PNG, 8 MiB parts two at once, from POST /v1/jobs to the upload's end; medians of {repeat}",
    }
