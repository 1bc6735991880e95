"""The provider protocol the render pipeline calls: analyse an image, optionally edit it.

It lives here, below the providers that implement it, so the pipeline needs none of them.
"""

from __future__ import annotations

from typing import Any, Protocol

from PIL import Image

from photopipe.images.edits import Edit

Analysis = dict[str, Any]


class Provider(Protocol):
    name: str
    # The longest side of the sRGB copy of the original that analyse() is given: the engine
    # makes it once, so a provider never touches the full-size decode.
    preview_side: int

    def analyse(self, image: Image.Image) -> Analysis: ...

    def edit(self, image: Image.Image, edit: Edit) -> Image.Image: ...
