"""ThumbHash against the reference encoder's own output, and the placeholders of real images."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from PIL import Image

from photopipe.images import placeholder

VECTORS = json.loads((Path(__file__).parents[3] / "tests" / "data" / "thumbhash_vectors.json").read_text())


def _pixels(width: int, height: int, alpha: str) -> bytes:
    """The formula of tests/data/thumbhash_vectors.mjs (JavaScript's `| 0` truncates)."""
    out = bytearray()
    for y in range(height):
        for x in range(width):
            if alpha == "opaque":
                a = 255
            elif alpha == "ramp":
                a = int((x + y) * 255 / max(1, width + height - 2))
            else:
                a = 0 if x < width / 2 else 255
            out += bytes(
                (int(x * 255 / max(1, width - 1)), int(y * 255 / max(1, height - 1)), (x * 7 + y * 13) % 256, a)
            )
    return bytes(out)


def _nibbles(data: bytes) -> list[int]:
    return [n for byte in data for n in (byte & 15, byte >> 4)]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['width']}x{v['height']}-{v['alpha']}")
def test_thumbhash_matches_the_reference_encoder(vector: dict[str, object]) -> None:
    width, height = int(vector["width"]), int(vector["height"])  # type: ignore[call-overload]
    got = placeholder.thumbhash(width, height, _pixels(width, height, str(vector["alpha"])))
    want = base64.b64decode(str(vector["thumbhash"]))
    assert len(got) == len(want) and got[:5] == want[:5], (got.hex(), want.hex())
    # A term that is zero by symmetry lands on 7.5 quantisation steps, where Python's
    # compensated float sum and JavaScript's plain one may round apart: at most one step.
    steps = [abs(a - b) for a, b in zip(_nibbles(got[5:]), _nibbles(want[5:]), strict=True)]
    assert max(steps) <= 1 and steps.count(1) <= len(steps) // 10, (got.hex(), want.hex())


def test_thumbhash_refuses_what_the_reference_refuses() -> None:
    with pytest.raises(ValueError, match="within 100x100"):
        placeholder.thumbhash(101, 10, bytes(101 * 10 * 4))
    with pytest.raises(ValueError, match="no RGBA image"):
        placeholder.thumbhash(2, 2, bytes(15))


def test_placeholders_of_a_large_photo_keep_its_colour_and_aspect() -> None:
    image = Image.new("RGB", (4000, 3000), (200, 80, 60))
    found = placeholder.placeholders(image)
    thumb = base64.b64decode(found["thumbhash"])
    header = thumb[0] | thumb[1] << 8 | thumb[2] << 16
    assert thumb[4] >> 7 == 1, "the landscape bit is set"
    assert header >> 23 == 0, "an opaque photo has no alpha"
    # The DC terms are the average colour in LPQ: L = (r + g + b) / 3, quantised to 6 bits.
    assert header & 63 == round(63 * (200 + 80 + 60) / 3 / 255)


def test_a_transparent_image_sets_the_alpha_flag() -> None:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (100, 100, 200, 200))
    thumb = base64.b64decode(placeholder.placeholders(image)["thumbhash"])
    assert (thumb[0] | thumb[1] << 8 | thumb[2] << 16) >> 23 == 1
