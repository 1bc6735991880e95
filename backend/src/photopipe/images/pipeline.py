"""The render pipeline: one photo's bytes in, its renditions and analysis out.

It knows nothing of jobs: the worker calls it for an upload, and anything else that renders a
stored photo (an edit asked for later, a delivery URL) calls it the same way. Every guard runs
here, in order, before the bytes they protect are spent: the header's pixel count, the memory
estimate of the decode and the edits, then each edit's real result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from PIL import Image

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import budget, crop, edits, engine, placeholder
from photopipe.images.edits import CropEdit, Edit
from photopipe.images.provider import Provider
from photopipe.images.rendering import MIB, MemoryBudget, Rendered, RenderLimits, RenderRequest, Span, no_span
from photopipe.images.variants import SRGB_COLOR_SPACE

# Without analysis only the placeholder is made from the preview: a small one will do.
PLACEHOLDER_PREVIEW_SIDE = 64


def render(
    data: bytes,
    content_type: str | None,
    request: RenderRequest,
    provider: Provider,
    memory: MemoryBudget,
    limits: RenderLimits,
    span: Span = no_span,
) -> Rendered:
    """Raises PermanentImageError (with its code) for anything about the photo that no retry fixes."""
    typed = tuple(edits.parse(spec) for spec in request.edits)
    opened = engine.open_upload(data, content_type, limits.max_image_pixels)
    target = decode_target(request, provider.preview_side, bool(typed))
    need = estimate(opened, request, typed, target)
    if need.largest_pixels > limits.max_full_decode_pixels:
        raise PermanentImageError(
            ErrorCode.PIXEL_LIMIT_EXCEEDED,
            f"Processing this image would hold {need.largest_pixels} pixels decoded at once "
            f"(the {opened.width}x{opened.height} original at the size decoding or an edit makes); "
            f"the limit is {limits.max_full_decode_pixels}.",
        )
    if need.output_pixels > limits.max_output_pixels:
        raise PermanentImageError(
            ErrorCode.PIXEL_LIMIT_EXCEEDED,
            f"The variants asked for would make {need.output_pixels} pixels together; "
            f"the limit is {limits.max_output_pixels}. Ask for fewer or smaller variants.",
        )
    if need.peak_bytes > limits.max_render_bytes:
        raise PermanentImageError(
            ErrorCode.MEMORY_LIMIT_EXCEEDED,
            f"Processing this image needs about {need.peak_bytes // MIB} MiB, over the "
            f"{limits.max_render_bytes // MIB} MiB one image may use; send a smaller image or fewer edits.",
        )
    with memory.reserve(need.peak_bytes):
        return _render_within_budget(opened, request, typed, provider, limits, target, span)


class InProcessRenderer:
    """render() in the calling process, on its thread: the unit tests' renderer (the deployed
    worker renders in child processes it can kill, adapters/render_children.py)."""

    def __init__(self, provider: Provider, memory: MemoryBudget, limits: RenderLimits, span: Span = no_span):
        self._provider = provider
        self._memory = memory
        self._limits = limits
        self._span = span

    def render(self, source: Path, content_type: str | None, request: RenderRequest, deadline: float) -> Rendered:
        return render(
            source.read_bytes(), content_type, request, self._provider, self._memory, self._limits, self._span
        )


def estimate(
    opened: engine.OpenedImage, request: RenderRequest, typed: Sequence[Edit], target: tuple[int | None, int]
) -> budget.Estimate:
    """What rendering this opened upload as asked will hold at its peak (images/budget.py)."""
    converted = [v.max_size for v in request.variants if v.color_space == SRGB_COLOR_SPACE]
    return budget.estimate(
        engine.decoded_size(opened, *target),
        opened.image.mode,
        typed,
        len(opened.data),
        max(converted) if converted and engine.has_colour_profile(opened) else None,
        request.variants,
        opened.may_carry_gain_map and not typed,
    )


def decode_target(request: RenderRequest, analysis_side: int, edited: bool = False) -> tuple[int | None, int]:
    """What the decoded image's longer and shorter sides must cover: every variant, and the
    preview the analysis reads (a box variant is cropped, so both its sides are needed).

    Draft mode decodes JPEGs at a reduced scale; edits take coordinates in the original's
    pixels, so a render with edits decodes at full size (None). What is decoded, or made by an
    edit, must stay within the lower limit for whole images (the decoded size is the full size
    where the decoder cannot scale down)."""
    if edited:
        return None, 0
    preview = analysis_side if request.analysis else PLACEHOLDER_PREVIEW_SIDE
    longest = max([v.max_size for v in request.variants] + [preview])
    shortest = max((max(v.box) for v in request.variants if v.box), default=0)
    return longest, shortest


def _render_within_budget(
    opened: engine.OpenedImage,
    request: RenderRequest,
    typed: Sequence[Edit],
    provider: Provider,
    limits: RenderLimits,
    target: tuple[int | None, int],
    span: Span,
) -> Rendered:
    with span("decode"):
        decoded = _decode_fitted(opened, request, typed, target)
        # Edits reshape the picture, so an edited render is SDR: its gain map is not read.
        decoded = decoded or engine.decode_opened(opened, *target, gain_map=not typed)
    with span("analyse"):
        analysis = describe(decoded, provider, request.analysis, limits.expose_location)
    with span("edit"):
        known = face_boxes(analysis) if request.analysis else [dict(box) for box in request.faces]
        image, faces = _apply_edits(decoded.image, typed, provider, known, limits.max_full_decode_pixels)
    if typed:
        # Of the image the variants are made from: an edit may add transparency (a background
        # removed) or take it away, and delivery serves the edited image.
        analysis["hasAlpha"] = image.mode in ("RGBA", "LA")
    with span("render"):
        renditions = engine.render_variants(image, request.variants, decoded.profile, faces, decoded.gain_map)
    return Rendered(renditions, analysis, decoded.original_width * decoded.original_height)


def _decode_fitted(
    opened: engine.OpenedImage, request: RenderRequest, typed: Sequence[Edit], target: tuple[int | None, int]
) -> engine.DecodedImage | None:
    """The photo decoded only as large as its largest variant, in sRGB, where nothing needs more
    (engine.decode_fitted): no edit, every variant fitted and in sRGB, the preview no larger."""
    largest = max((v.max_size for v in request.variants), default=0)
    if typed or not largest or target[0] != largest:
        return None  # edits need the full image; a preview larger than every variant too
    if any(v.box or v.color_space != SRGB_COLOR_SPACE for v in request.variants):
        return None  # a box is cut at the original's resolution; a source variant keeps its space
    return engine.decode_fitted(opened, largest)


def _apply_edits(
    image: Image.Image,
    chain: Sequence[Edit],
    provider: Provider,
    faces: list[dict[str, float]],
    max_pixels: int,
) -> tuple[Image.Image, list[dict[str, float]]]:
    """The edited image, and the face boxes still true of it (ratios of a frame an edit may move)."""
    for index, edit in enumerate(chain):
        if isinstance(edit, CropEdit) and edit.focus:
            edit = placed_crop(image, edit, faces)
        image = provider.edit(image, edit)
        if not edit.keeps_frame:
            faces = []
        # The estimate was made from the specs; what an edit really made is checked too (an AI
        # edit's size is the endpoint's choice).
        engine.check_pixels(image.width, image.height, max_pixels, f"Edit {index + 1}'s result")
    return image, faces


def describe(
    decoded: engine.DecodedImage, provider: Provider, run_provider: bool, expose_location: bool
) -> dict[str, object]:
    """What every rendered photo says about itself; the provider's part when asked for."""
    side = provider.preview_side if run_provider else PLACEHOLDER_PREVIEW_SIDE
    preview = engine.preview(decoded, side)
    analysis: dict[str, object] = dict(provider.analyse(preview)) if run_provider else {}
    if run_provider:
        analysis["smartCrop"] = crop.smart_square(preview, face_boxes(analysis))
    analysis.update(
        width=decoded.original_width,
        height=decoded.original_height,
        sourceFormat=decoded.source_format.content_type,
        placeholder=placeholder.placeholders(preview),
        **decoded.capture.as_analysis(expose_location),
    )
    # Always known, analysis or not: delivery's f_auto and its choice of source depend on it.
    analysis.setdefault("hasAlpha", preview.mode in ("RGBA", "LA"))
    return analysis


def face_boxes(analysis: Mapping[str, object]) -> list[dict[str, float]]:
    faces = analysis.get("faces")
    if not isinstance(faces, list):
        return []
    return [face["box"] for face in faces if isinstance(face, dict) and isinstance(face.get("box"), dict)]


def placed_crop(image: Image.Image, edit: CropEdit, faces: list[dict[str, float]]) -> CropEdit:
    """A crop given a focus instead of left/top, as the explicit crop the edit applies."""
    window = (min(edit.width, image.width), min(edit.height, image.height))
    left, top, _, _ = crop.window_box(image, window, str(edit.focus), faces)
    return edit.placed(round(left), round(top))
