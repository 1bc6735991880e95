"""How much memory a job's image work needs: the estimate a record is admitted by, against the
per-process budget (rendering.MemoryBudget).

One user's small file can decode to gigabytes (a 385 KB PNG of 99 MP is 400 MB per copy), and
an out-of-memory kill fails every record of the batch, other users' included. So the worker
estimates each record's peak from the header and the edits before decoding a pixel, refuses a
record that could never fit, and makes a record wait while others hold the memory it needs.

The estimate counts Pillow's storage (RGB is stored as 4 bytes a pixel), the copies each step
holds at once, and the original's bytes. Its factors were measured as peak RSS over the idle
process (`make bench`, section memory) and rounded up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from photopipe.images import ultrahdr, vips
from photopipe.images.edits import Edit
from photopipe.images.rendering import MIB
from photopipe.images.variants import VariantSpec, output_size

# Bytes a pixel takes in Pillow's memory, by mode; anything not listed takes 4.
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# Rows of an image with alpha premultiplied at once, per resizing thread (engine.downscale).
ALPHA_BAND_ROWS = 256
_RESIZING_THREADS = 2  # the engine's pool on a Lambda function's two vCPUs, or this machine's
_VIPS_BUFFERS = 16 * MIB  # libvips' own regions and tiles while it resizes
# Converting a wide-gamut image to sRGB (engine.to_srgb, in one strip per core) holds the image
# it converts, each strip cut, each converted, and the image they are pasted into: four copies of
# the largest sRGB variant beside the decoded image, once resizing is done (measured: 3.8 for a
# full-size variant of 64 MP).
_COLOUR_COPIES = 4.0
# An encoder's own working memory, in copies of the image it encodes (4 bytes a pixel), beside
# the image: AVIF's (YUV planes, the AV1 encoder's frame buffers) is the largest. Estimates, to be
# replaced by the memory section's measurements.
_ENCODER_COPIES = {"avif": 3.0, "webp": 1.0, "png": 0.5, "jpeg": 0.5}
# Over what the model above counts: allocator slack and what it leaves out, from the worst
# ratio of measured peak to the count across modes and sizes (`make bench`, memory).
MARGIN = 1.1
# Encoders, the resize pool's strips and the analysis: a fixed margin per record.
_RECORD_OVERHEAD = 24 * MIB


def bytes_per_pixel(mode: str) -> int:
    return _BYTES_PER_PIXEL.get(mode, 4)


def working_mode(mode: str) -> str:
    """The mode the engine normalises to (engine.normalise_mode): L, RGB or RGBA."""
    if mode in ("L", "1", "F", "I") or mode.startswith("I;16"):
        return "L"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return "RGBA"
    return "RGB"


@dataclass(frozen=True)
class Estimate:
    peak_bytes: int
    largest_pixels: int  # the largest image any step makes, decoded or edited
    output_pixels: int = 0  # every variant's pixels together


def estimate(
    decoded_size: tuple[int, int],
    source_mode: str,
    edits: Sequence[Edit],
    original_bytes: int,
    largest_variant: int | None = None,
    variants: Sequence[VariantSpec] = (),
    gain_map: bool = False,
) -> Estimate:
    """Peak bytes of decoding an image of decoded_size, applying the edits and rendering the
    variants.

    largest_variant is the longest side of the largest variant converted to sRGB, when the
    image carries a colour profile (None when nothing is converted). Box variants are counted
    on top of the factors above, which were measured with the default (fitted) variants: the
    engine renders one box at a time, so the largest one and its encoder's memory.
    gain_map: whether an Ultra HDR gain map may be decoded beside the image (at most a quarter of
    its pixels), with one scaled copy of it at a time."""
    mode = working_mode(source_mode)
    size = decoded_size
    pixels = size[0] * size[1]
    held = pixels * bytes_per_pixel(mode)  # the decoded original, alive until the job is done
    longest = max((v.max_size for v in variants), default=0)
    # Normalising holds the image as decoded beside its result (16- and 32-bit images pass
    # through two 32-bit ones first, engine.normalise_mode), then lets it go before resizing.
    source = pixels * bytes_per_pixel(source_mode) if mode != source_mode else 0
    wide = pixels * 8 if source_mode.startswith("I;16") or source_mode in ("I", "F") else 0
    peak: float = held + max(source + wide, _resizing_bytes(size, mode, longest))
    if gain_map:
        peak += 2 * ultrahdr.MAX_SHARE_OF_PICTURE * pixels * 4
    largest = pixels
    for index, edit in enumerate(edits):
        # Edits may turn L into RGB(A) (watermark): count every later step at 4 bytes a pixel.
        # The first edit reads the decoded image, already counted; each later one the one before.
        before = size[0] * size[1] * 4 if index else 0
        size = edit.size_after(size)
        after = size[0] * size[1]
        largest = max(largest, after)
        peak = max(peak, held + before + edit.copies * after * 4)
    if edits:  # the variants are made from the edited image, the decoded one still held
        # An edit may add alpha or take it away: whichever way resizes at the greater cost.
        resizing = max(_resizing_bytes(size, edited, longest) for edited in ("RGB", "RGBA"))
        peak = max(peak, held + size[0] * size[1] * 4 + resizing)
    if largest_variant is not None:
        scale = min(1.0, largest_variant / max(size))
        converted = round(size[0] * scale) * round(size[1] * scale)
        peak = max(peak, held + (size[0] * size[1] * 4 if edits else 0) + _COLOUR_COPIES * converted * 4)
    outputs = [(v, output_size(v, size)) for v in variants]
    boxes = [(1 + _ENCODER_COPIES.get(v.format, 1.0)) * w * h * 4 for v, (w, h) in outputs if v.box]
    peak += max(boxes, default=0)
    output_pixels = sum(w * h for _, (w, h) in outputs)
    return Estimate(int(peak * MARGIN) + original_bytes + _RECORD_OVERHEAD, largest, output_pixels)


def _resizing_bytes(size: tuple[int, int], mode: str, longest: int) -> int:
    """What engine.downscale() holds beside the image it reads, for the largest output (every
    smaller one is made from it): the output, and libvips' copies (the image packed for it, its
    result, its buffers), Pillow's horizontal pass (the output's width by the image's height) or,
    for an image with alpha, the bands premultiplied at once. The preview the analysis reads is
    resized from the image too, whatever the variants."""
    width, height = size
    # The largest output, unless it is the image itself (a variant as large as the image).
    side = longest if 0 < longest < max(size) else 0
    if mode in ("RGBA", "LA"):
        working = _RESIZING_THREADS * 2 * ALPHA_BAND_ROWS * width * 4  # each band cut, then premultiplied
    elif mode in vips.BANDS and width * height <= vips.MAX_PIXELS:
        working = (width * height + side * side) * vips.BANDS[mode] + _VIPS_BUFFERS
    else:
        working = side * height * bytes_per_pixel(mode)
    return side * side * bytes_per_pixel(mode) + working
