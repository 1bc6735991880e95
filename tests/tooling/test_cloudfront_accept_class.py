"""The CloudFront viewer-request function that normalises Accept agrees with the delivery
function's own reading of it (delivery/transforms.py), run in Node as CloudFront runs JavaScript."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from photopipe.delivery import transforms

FUNCTION = Path(__file__).parents[2] / "infrastructure/modules/delivery/functions/accept-class.js"
ACCEPTS = [
    "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",  # Chrome
    "image/webp,*/*",  # Android
    "image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5",  # Safari before AVIF
    "IMAGE/AVIF",
    "",
]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the CloudFront function")
def test_the_cdn_reduces_accept_to_the_class_f_auto_decides_on() -> None:
    script = (
        FUNCTION.read_text()
        + f"""
const accepts = {json.dumps(ACCEPTS)};
console.log(JSON.stringify(accepts.map((a) => handler({{request: {{headers: a ? {{accept: {{value: a}}}} : {{}}}}}})
  .headers.accept.value)));
"""
    )
    ran = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)  # noqa: S603, S607
    normalised = json.loads(ran.stdout)
    assert normalised == ["image/avif", "image/webp", "*/*", "image/avif", "*/*"]
    for accept, value in zip(ACCEPTS, normalised, strict=True):
        assert transforms.accept_class(value) == transforms.accept_class(accept), accept
