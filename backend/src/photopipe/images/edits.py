"""The edit operations: one frozen dataclass per op, each owning everything about itself.

An op knows how it is applied, the size it makes, how many copies of its output it holds in
memory at once (the budget reads `copies`) and whether face boxes, ratios of the frame, still
mark the faces after it (`keeps_frame`). The API validates requests against these same classes
(their constraints are `annotated_types` metadata, their field docstrings the descriptions),
so an op is added in one place. No pydantic here, and Pillow only once an edit is applied:
the api validates requests against these classes and ships without the imaging layer.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from annotated_types import Ge, Gt, Le, MaxLen, MinLen

from photopipe.errors import ErrorCode, PermanentImageError

if TYPE_CHECKING:
    from PIL import Image

Focus = Literal["center", "faces", "attention"]
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
Size = tuple[int, int]


def _op_required(schema: dict[str, Any]) -> None:
    # `op` has a default so Python can build an edit without naming it, but on the wire it picks
    # the op: the API's schema requires it.
    schema["required"] = ["op", *[name for name in schema.get("required", []) if name != "op"]]


@dataclass(frozen=True, kw_only=True)
class Edit:
    # The API refuses fields an op does not have, and describes each from its docstring.
    __pydantic_config__: ClassVar[dict[str, Any]] = {
        "extra": "forbid",
        "use_attribute_docstrings": True,
        "json_schema_extra": _op_required,
    }

    # Copies of the step's output alive at once, besides its input and the decoded original,
    # as measured (`make bench`, memory: the bench's chain peaked at 7 copies of 64 MP in a watermark).
    copies: ClassVar[float] = 1.5
    # Whether face boxes (ratios of the frame) still mark the faces after this edit.
    keeps_frame: ClassVar[bool] = False

    def apply(self, image: Image.Image) -> Image.Image:
        raise NotImplementedError

    def size_after(self, size: Size) -> Size:
        """The size this edit makes of an image of `size`, from the spec alone (checked again on
        the real result)."""
        return size

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, kw_only=True)
class ResizeEdit(Edit):
    op: Literal["resize"] = "resize"
    width: Annotated[int, Ge(1), Le(8192)]
    height: Annotated[int, Ge(1), Le(8192)]
    fit: Literal["contain", "cover", "fill"] = "contain"
    """contain: within the box; cover: fill it, cropping; fill: stretch to it."""

    def apply(self, image: Image.Image) -> Image.Image:
        from PIL import Image, ImageOps

        size = (self.width, self.height)
        if self.fit == "cover":
            return ImageOps.fit(image, size, Image.Resampling.LANCZOS)
        if self.fit == "fill":
            return image.resize(size, Image.Resampling.LANCZOS)
        return ImageOps.contain(image, size, Image.Resampling.LANCZOS)

    def size_after(self, size: Size) -> Size:
        if self.fit in ("cover", "fill"):
            return self.width, self.height
        scale = min(self.width / size[0], self.height / size[1])
        return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


@dataclass(frozen=True, kw_only=True)
class CropEdit(Edit):
    """A window at left/top, or, without them, placed by focus (center, faces or attention)."""

    op: Literal["crop"] = "crop"
    left: Annotated[int, Ge(0)] | None = None
    top: Annotated[int, Ge(0)] | None = None
    width: Annotated[int, Ge(1), Le(20000)]
    height: Annotated[int, Ge(1), Le(20000)]
    focus: Focus | None = None

    def __post_init__(self) -> None:
        explicit = self.left is not None and self.top is not None
        if explicit == (self.focus is not None) or (self.left is None) != (self.top is None):
            raise ValueError("a crop needs either left and top, or focus")

    def apply(self, image: Image.Image) -> Image.Image:
        if self.left is None or self.top is None:
            raise PermanentImageError(ErrorCode.INVALID_EDIT, "a crop by focus must be placed before it is applied")
        box = (self.left, self.top, self.left + self.width, self.top + self.height)
        if box[2] > image.width or box[3] > image.height:
            raise PermanentImageError(
                ErrorCode.INVALID_EDIT, f"crop {box} falls outside the {image.width}x{image.height} image."
            )
        return image.crop(box)

    def size_after(self, size: Size) -> Size:
        return self.width, self.height

    def placed(self, left: int, top: int) -> CropEdit:
        """This crop at an explicit place (where its focus put it)."""
        return CropEdit(left=left, top=top, width=self.width, height=self.height)


@dataclass(frozen=True, kw_only=True)
class RotateEdit(Edit):
    op: Literal["rotate"] = "rotate"
    degrees: Annotated[float, Ge(-360), Le(360)]
    """Clockwise."""

    def apply(self, image: Image.Image) -> Image.Image:
        from PIL import Image

        degrees = float(self.degrees) % 360
        lossless = {
            90.0: Image.Transpose.ROTATE_270,
            180.0: Image.Transpose.ROTATE_180,
            270.0: Image.Transpose.ROTATE_90,
        }
        if degrees in lossless:  # clockwise in the API, counter-clockwise in Pillow
            return image.transpose(lossless[degrees])
        fill = (255, 255, 255, 0) if image.mode == "RGBA" else "white"
        return image.rotate(-degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)

    def size_after(self, size: Size) -> Size:
        radians = math.radians(float(self.degrees) % 360)
        cos, sin = abs(math.cos(radians)), abs(math.sin(radians))
        # (less a hair, so a right angle's float cosine does not add a pixel)
        return math.ceil(size[0] * cos + size[1] * sin - 1e-6), math.ceil(size[0] * sin + size[1] * cos - 1e-6)


@dataclass(frozen=True, kw_only=True)
class FlipEdit(Edit):
    op: Literal["flip"] = "flip"
    direction: Literal["horizontal", "vertical"] = "horizontal"

    def apply(self, image: Image.Image) -> Image.Image:
        from PIL import ImageOps

        return ImageOps.mirror(image) if self.direction == "horizontal" else ImageOps.flip(image)


@dataclass(frozen=True, kw_only=True)
class GrayscaleEdit(Edit):
    op: Literal["grayscale"] = "grayscale"
    copies: ClassVar[float] = 2.5
    keeps_frame: ClassVar[bool] = True

    def apply(self, image: Image.Image) -> Image.Image:
        return image.convert("LA").convert("RGBA") if image.mode == "RGBA" else image.convert("L")


@dataclass(frozen=True, kw_only=True)
class AutocontrastEdit(Edit):
    op: Literal["autocontrast"] = "autocontrast"
    cutoff: Annotated[float, Ge(0), Le(49)] = 0
    copies: ClassVar[float] = 3.0
    keeps_frame: ClassVar[bool] = True

    def apply(self, image: Image.Image) -> Image.Image:
        from PIL import ImageOps

        if image.mode == "RGBA":
            rgb = ImageOps.autocontrast(image.convert("RGB"), cutoff=float(self.cutoff))
            rgb.putalpha(image.getchannel("A"))
            return rgb
        return ImageOps.autocontrast(image, cutoff=float(self.cutoff))


@dataclass(frozen=True, kw_only=True)
class BlurEdit(Edit):
    op: Literal["blur"] = "blur"
    radius: Annotated[float, Gt(0), Le(50)] = 2
    keeps_frame: ClassVar[bool] = True

    def apply(self, image: Image.Image) -> Image.Image:
        from PIL import ImageFilter

        return image.filter(ImageFilter.GaussianBlur(float(self.radius)))


@dataclass(frozen=True, kw_only=True)
class SharpenEdit(Edit):
    op: Literal["sharpen"] = "sharpen"
    percent: Annotated[int, Ge(1), Le(500)] = 150
    copies: ClassVar[float] = 2.0
    keeps_frame: ClassVar[bool] = True

    def apply(self, image: Image.Image) -> Image.Image:
        from PIL import ImageFilter

        return image.filter(ImageFilter.UnsharpMask(radius=2, percent=int(self.percent), threshold=3))


@dataclass(frozen=True, kw_only=True)
class WatermarkEdit(Edit):
    op: Literal["watermark"] = "watermark"
    text: Annotated[str, MinLen(1), MaxLen(100)]
    opacity: Annotated[float, Ge(0), Le(1)] = 0.6
    copies: ClassVar[float] = 5.5
    keeps_frame: ClassVar[bool] = True

    def apply(self, image: Image.Image) -> Image.Image:
        from PIL import Image, ImageDraw, ImageFont

        base = image.convert("RGBA")
        layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        size = max(12, min(base.size) // 20)
        font = ImageFont.load_default(size=size)
        left, top, right, bottom = draw.textbbox((0, 0), self.text, font=font)
        margin = size // 2
        x = base.width - (right - left) - margin
        y = base.height - (bottom - top) - margin
        alpha = int(255 * float(self.opacity))
        draw.text(
            (x, y), self.text, font=font, fill=(255, 255, 255, alpha), stroke_width=1, stroke_fill=(0, 0, 0, alpha)
        )
        result = Image.alpha_composite(base, layer)
        return result if image.mode == "RGBA" else result.convert("RGB")


@dataclass(frozen=True, kw_only=True)
class AiEdit(Edit):
    op: Literal["ai"] = "ai"
    prompt: Annotated[str, MinLen(1), MaxLen(1000)]
    """Needs IMAGE_PROVIDER=http: the deployment's endpoint makes the edit."""

    def apply(self, image: Image.Image) -> Image.Image:
        raise PermanentImageError(ErrorCode.INVALID_EDIT, "an ai edit needs the http provider")


class ModelEdit(Edit):
    """An op a model makes (a subject mask, a face detector): the provider applies it, and a
    provider without that model refuses it at the API (images/capabilities.py)."""

    def apply(self, image: Image.Image) -> Image.Image:
        op = self.as_dict()["op"]
        raise PermanentImageError(ErrorCode.INVALID_EDIT, f"a {op} edit needs a provider that can make it")


@dataclass(frozen=True, kw_only=True)
class RemoveBackgroundEdit(ModelEdit):
    """The subject kept, the rest transparent (png, webp, avif keep the alpha; jpeg is flattened
    on white) or, with `background`, filled with that colour."""

    op: Literal["removeBackground"] = "removeBackground"
    background: Annotated[str, MinLen(7), MaxLen(7)] | None = None
    """A colour as #rrggbb behind the subject; none: transparent."""
    copies: ClassVar[float] = 3.0
    keeps_frame: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.background is not None and not _HEX_COLOUR.match(self.background):
            raise ValueError("background is a colour as #rrggbb")


@dataclass(frozen=True, kw_only=True)
class BlurBackgroundEdit(ModelEdit):
    """The subject sharp, everything behind it blurred (a portrait mode)."""

    op: Literal["blurBackground"] = "blurBackground"
    radius: Annotated[float, Gt(0), Le(50)] = 12
    """The blur's radius in pixels of a 1000 px image (scaled with the image)."""
    copies: ClassVar[float] = 4.0
    keeps_frame: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class RedactFacesEdit(ModelEdit):
    """Every face the detector finds made unrecognisable, its box grown to cover hairline and chin."""

    op: Literal["redactFaces"] = "redactFaces"
    style: Literal["blur", "pixelate"] = "blur"
    copies: ClassVar[float] = 2.0
    keeps_frame: ClassVar[bool] = True


EDIT_TYPES: tuple[type[Edit], ...] = (
    ResizeEdit,
    CropEdit,
    RotateEdit,
    FlipEdit,
    GrayscaleEdit,
    AutocontrastEdit,
    BlurEdit,
    SharpenEdit,
    WatermarkEdit,
    AiEdit,
    RemoveBackgroundEdit,
    BlurBackgroundEdit,
    RedactFacesEdit,
)
MODEL_OPS: frozenset[str] = frozenset({"ai", "removeBackground", "blurBackground", "redactFaces"})
_BY_OP: dict[str, type[Edit]] = {str(cls.__dataclass_fields__["op"].default): cls for cls in EDIT_TYPES}


def parse(spec: Mapping[str, Any] | Edit) -> Edit:
    """The typed edit of a stored spec (the API validated it; this only rebuilds it)."""
    if isinstance(spec, Edit):
        return spec
    kind = _BY_OP.get(str(spec.get("op")))
    if kind is None:
        raise PermanentImageError(ErrorCode.INVALID_EDIT, f"unknown edit {spec.get('op')!r}")
    try:
        return kind(**dict(spec))
    except (TypeError, ValueError) as exc:
        raise PermanentImageError(ErrorCode.INVALID_EDIT, f"edit {spec.get('op')!r} is malformed: {exc}") from exc


def apply_edit(image: Image.Image, spec: Mapping[str, Any] | Edit) -> Image.Image:
    edit = parse(spec)
    try:
        return edit.apply(image)
    except (KeyError, TypeError, ValueError) as exc:
        op = edit.as_dict()["op"]
        raise PermanentImageError(ErrorCode.INVALID_EDIT, f"edit {op!r} is malformed: {exc}") from exc
