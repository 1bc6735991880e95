"""Decode once, guard, orient, normalise, then make every variant from the next larger one.

Speed comes from four things: JPEG draft mode (the decoder scales by 1/2..1/8 in the DCT
domain when the largest variant is much smaller than the original), libvips for resampling and
colour (vips.py) where Pillow would take several times as long, `thumbnail()`'s reducing_gap
where Pillow still resizes (a cheap integer `reduce()` before the Lanczos pass), and deriving
each smaller variant from the previous one instead of the full-size original.
"""

from __future__ import annotations

import importlib
import io
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import budget, colour, crop, formats, metadata, structure, ultrahdr, vips
from photopipe.images.rendering import Rendition
from photopipe.images.variants import SOURCE_COLOR_SPACE, VariantSpec

try:  # HEIC/HEIF input; optional so the engine still imports where the wheel is missing.
    import pillow_heif

    pillow_heif.register_heif_opener()
    # Only the primary image is decoded: a phone's HEIC also holds thumbnails, depth maps, an
    # HDR gain map; reading their headers costs time and memory for pixels never used.
    pillow_heif.options.THUMBNAILS = False
    pillow_heif.options.DEPTH_IMAGES = False
    pillow_heif.options.AUX_IMAGES = False
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - the layer and dev venv both ship it
    HEIF_SUPPORTED = False

# The decoders and encoders of the formats we take and make, registered as their modules load:
# not Image.init()'s forty (~75 ms of each render process's start). A file opens only with the
# decoder its sniffed format names (open_upload).
for _plugin in ("Avif", "Gif", "Jpeg", "Png", "Tiff", "WebP"):
    importlib.import_module(f"PIL.{_plugin}ImagePlugin")
AVIF_SUPPORTED = "AVIF" in Image.SAVE and "AVIF" in Image.OPEN

# Resampling ahead of Lanczos: 2.0 is visually indistinguishable and several times faster.
_REDUCING_GAP = 2.0
# Pillow warns between MAX_IMAGE_PIXELS and twice that; our own pixel check decides, so the
# warning is noise. Set once: catch_warnings() per call is not thread-safe.
warnings.simplefilter("ignore", Image.DecompressionBombWarning)
# Output settings, chosen by measurement (`make bench`, section "quality"; docs/photos.md "What happens
# to a phone photo"): bytes against SSIM next to libvips' `thumbnail` defaults.
JPEG_QUALITY = 80
WEBP_QUALITY = 80
AVIF_QUALITY = 60
AVIF_SPEED = 8  # libaom's 0..10: 8 encodes a 1024 px image in tens of ms, 6 takes seconds
# libwebp's method (0..6): 4 for stored variants; a render a viewer waits for takes 2, about a
# third of the time (62 -> 22 ms at 1080 px) for ~1% more bytes (`make bench`, delivery).
WEBP_METHOD = 4
WEBP_METHOD_FAST = 2
# Every JPEG gets optimised Huffman tables: 19-25% fewer bytes than libjpeg's defaults for
# about 2x the (small) encode time. Above this size it is progressive as well, so the large
# variant shows coarse-to-fine while it loads; that costs another ~15 ms of CPU at 2048 px for
# bytes within 2% of baseline (`make bench`, quality), so smaller variants stay baseline.
_PROGRESSIVE_FROM_PIXELS = 1_000_000
_THREADS = os.cpu_count() or 1
_MIN_STRIP_ROWS = 256  # below this a thread hand-off costs more than it saves
_POOL = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="resize")


def _new_pool_after_fork() -> None:
    # A forked child inherits the executor but not its threads: work submitted there would wait
    # forever. Give the child a pool of its own.
    global _POOL
    _POOL = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="resize")


os.register_at_fork(after_in_child=_new_pool_after_fork)


@dataclass(frozen=True)
class DecodedImage:
    image: Image.Image  # oriented, normalised to RGB / RGBA / L, no metadata left in .info
    source_format: formats.ImageFormat
    original_width: int  # of the oriented original (decoding may have scaled it down)
    original_height: int
    # The ICC profile of the pixels when they are not sRGB (a wide-gamut photo), else None.
    profile: bytes | None = None
    capture: metadata.Capture = field(default_factory=metadata.Capture)
    gain_map: ultrahdr.GainMap | None = None  # an Ultra HDR JPEG's, oriented like the image


def _fail(code: ErrorCode, message: str) -> PermanentImageError:
    return PermanentImageError(code, message)


# What a decoder says when it was built without the codec a file needs (pillow-heif for an
# AVC-coded HEIC: "Support for this compression format has not been built in: AVC"), or when a
# file uses a sample layout it does not take. Pillow's own is "decoder X not available"; its
# "decoder error -2" means damaged data, not a missing codec.
_MISSING_CODEC = ("not been built in", "not supported", "unsupported", "not available")


@contextmanager
def _decoding(stage: str) -> Iterator[None]:
    """Whatever goes wrong while the bytes in memory are parsed or decoded is about the bytes, so
    it fails the job at once with a code; retrying the same bytes cannot help. Classified by what
    failed, not by the exception's type: decoders raise TypeError, KeyError, RuntimeError, struct
    errors and more on hostile input (a fuzzed TIFF header raises TypeError "Missing dimensions").
    Only the infrastructure is transient, never the bytes."""
    try:
        yield
    except PermanentImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise _fail(ErrorCode.DECOMPRESSION_BOMB, f"The image {stage} to too many pixels: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise _fail(ErrorCode.NOT_AN_IMAGE, "The file looks like an image but cannot be read.") from exc
    except MemoryError:
        raise  # the process's memory, not the bytes: the budget decides what fits, not this
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"[:300]
        if any(marker in str(exc).lower() for marker in _MISSING_CODEC):
            raise _fail(
                ErrorCode.UNSUPPORTED_IMAGE_FORMAT, f"The image uses a coding this service cannot decode ({detail})."
            ) from exc
        raise _fail(ErrorCode.TRUNCATED_IMAGE, f"The image data is incomplete or corrupt ({stage}: {detail}).") from exc


@dataclass(frozen=True)
class OpenedImage:
    """An upload whose header was read and checked; no pixel is decoded yet."""

    image: Image.Image
    source_format: formats.ImageFormat
    width: int
    height: int
    data: bytes = b""  # the upload, for what lies beyond the first picture (an HDR gain map)

    @property
    def may_carry_gain_map(self) -> bool:
        """Whether the header locates a second picture (MPF), which may be an HDR gain map."""
        applist = getattr(self.image, "applist", ())
        return self.source_format is formats.JPEG and any(content[:4] == b"MPF\0" for _, content in applist)

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def can_draft(self) -> bool:
        """Whether the decoder can scale down while decoding (JPEG's DCT scaling)."""
        return self.source_format is formats.JPEG


def open_upload(data: bytes, declared_content_type: str | None, max_pixels: int) -> OpenedImage:
    """Sniffs the real format, checks it against the declared one, reads the header only."""
    if not data:
        raise _fail(ErrorCode.EMPTY_FILE, "The uploaded file is empty.")
    fmt = formats.sniff(data[:32])
    if fmt is None:
        raise _fail(ErrorCode.NOT_AN_IMAGE, "The uploaded file is not an image photopipe recognises.")
    if fmt is formats.HEIF and not HEIF_SUPPORTED:
        raise _fail(ErrorCode.UNSUPPORTED_IMAGE_FORMAT, "HEIC/HEIF input is not available here.")
    if fmt is formats.AVIF and not AVIF_SUPPORTED:
        raise _fail(ErrorCode.UNSUPPORTED_IMAGE_FORMAT, "AVIF input is not available here.")
    if fmt is formats.JPEG_XL:
        # The one maintained Pillow plugin (pillow-jxl-plugin) is GPL-3.0: not in an MIT layer.
        raise _fail(ErrorCode.UNSUPPORTED_IMAGE_FORMAT, "JPEG XL input is not supported; send JPEG, HEIC or AVIF.")
    if declared_content_type is not None:
        declared = formats.canonical_content_type(declared_content_type)
        if declared != fmt.content_type:
            raise _fail(
                ErrorCode.CONTENT_TYPE_MISMATCH,
                f"Declared {declared} but the file is {fmt.content_type}.",
            )
    # Pillow raises at twice its MAX_IMAGE_PIXELS. Records are decoded on several threads at
    # once, so the process-wide setting is set, not swapped and restored per call (a restore
    # racing another thread's decode would change which code a huge image fails with); every
    # caller passes the same configured limit.
    Image.MAX_IMAGE_PIXELS = max_pixels
    structure.check(data, fmt)  # counts a decoder would build before we read a pixel count
    with _decoding("declares"):
        image = Image.open(io.BytesIO(data), formats=[fmt.name])
        width, height = image.size
    # Guard before decoding a single pixel: the header alone tells the size.
    check_pixels(width, height, max_pixels)
    if width == 0 or height == 0:
        raise _fail(ErrorCode.NOT_AN_IMAGE, "The image has no pixels.")
    return OpenedImage(image, fmt, width, height, data)


def has_colour_profile(opened: OpenedImage) -> bool:
    """Whether the header names a colour space the variants may be converted from."""
    return bool(opened.image.info.get("icc_profile") or opened.image.info.get("nclx_profile"))


def check_pixels(width: int, height: int, max_pixels: int, what: str = "The image") -> None:
    if width * height > max_pixels:
        raise _fail(
            ErrorCode.PIXEL_LIMIT_EXCEEDED,
            f"{what} has {width}x{height} pixels; the limit is {max_pixels} pixels.",
        )


def _draft_scale(opened: OpenedImage, longest: int | None, shortest: int) -> int:
    """The largest DCT scale (1, 2, 4, 8) JPEG draft mode can decode at while the longer side
    still covers `longest` and the shorter `shortest`. The longer side stays the longer one
    whatever EXIF orientation does, so a `maxSize` variant needs only it; a cropped box needs
    the shorter side too."""
    if not (opened.can_draft and longest):
        return 1
    long_side, short_side = max(opened.width, opened.height), min(opened.width, opened.height)
    scale = 1
    while scale < 8 and long_side / (scale * 2) >= longest and short_side / (scale * 2) >= shortest:
        scale *= 2
    return scale


def decoded_size(opened: OpenedImage, largest_target: int | None, shortest_target: int = 0) -> tuple[int, int]:
    """The size decoding will produce (see _draft_scale)."""
    scale = _draft_scale(opened, largest_target, shortest_target)
    return -(-opened.width // scale), -(-opened.height // scale)


def decode_opened(
    opened: OpenedImage, largest_target: int | None = None, shortest_target: int = 0, gain_map: bool = True
) -> DecodedImage:
    """Decodes an opened upload, oriented (in place) and normalised to RGB / RGBA / L.

    largest_target / shortest_target: what the longer / shorter side must still cover, where
    the decoder can scale down (JPEG draft mode). gain_map: whether to read an Ultra HDR JPEG's
    gain map too (not when edits will reshape the picture: its variants are SDR)."""
    image = opened.image
    scale = _draft_scale(opened, largest_target, shortest_target)
    with _decoding("decompresses"):
        # is_animated looks for a second frame; n_frames would walk them all (a 50 MB GIF holds
        # over a million) before the first is decoded.
        if getattr(image, "is_animated", False) and opened.source_format is not formats.HEIF:
            image.seek(0)  # first frame of an animation; a HEIF opens at its primary image instead
        if scale > 1:
            # Draft picks the largest scale s with size // asked >= s on both sides: ask for size // scale.
            image.draft("RGB", (max(1, opened.width // scale), max(1, opened.height // scale)))
        image.load()
        # Read before orientation is applied: exif_transpose() rewrites the EXIF it acts on.
        capture = metadata.read_capture(image)
        profile = colour.source_profile(image)
        orientation = _orientation(image)
        width, height = _upright_size(opened, orientation)
        hdr = None
        if gain_map and opened.may_carry_gain_map:
            hdr = ultrahdr.read(opened.data, (opened.width, opened.height), orientation, largest_target)
        # In place: exif_transpose() otherwise copies the whole image even when nothing turns.
        ImageOps.exif_transpose(image, in_place=True)
        if image.mode == "CMYK" and profile is not None:
            # CMYK has no output format: through its profile to sRGB now, at the decoded size.
            image, profile = colour.to_srgb(image, profile), None
        image = normalise_mode(image)
    if image is not opened.image:
        # The image as decoded is no longer needed, though the opened upload still refers to it:
        # its pixels go now, not when the render ends (the memory estimate counts on it).
        opened.image.close()
    image.info = {}  # EXIF, GPS, XMP, ICC: read above, and never carried into an output
    return DecodedImage(image, opened.source_format, width, height, profile, capture, hdr)


def decode_fitted(opened: OpenedImage, longest: int) -> DecodedImage | None:
    """decode_opened(), but the image only as large as `longest` (the largest variant) and
    already in sRGB, decoded by libvips in one streaming pass (vips.decode_fitted): for a JPEG
    whose variants are all fitted, sRGB and no larger than that, with no edits. None where that
    path does not apply: decode_opened() then."""
    if opened.source_format is not formats.JPEG or opened.image.mode not in ("RGB", "L"):
        return None
    with _decoding("declares"):
        profile = colour.source_profile(opened.image)
        capture = metadata.read_capture(opened.image)
        orientation = _orientation(opened.image)
    scale = _draft_scale(opened, longest, 0)
    fitted = vips.decode_fitted(opened.data, scale, longest, profile)
    if fitted is None:
        return None
    width, height = _upright_size(opened, orientation)
    hdr = (
        ultrahdr.read(opened.data, (opened.width, opened.height), orientation, longest)
        if opened.may_carry_gain_map
        else None
    )
    return DecodedImage(fitted, opened.source_format, width, height, None, capture, hdr)


def _upright_size(opened: OpenedImage, orientation: int | None) -> tuple[int, int]:
    """The original's size once its orientation is applied."""
    turns = orientation in ultrahdr.SIDEWAYS
    return (opened.height, opened.width) if turns else (opened.width, opened.height)


def _orientation(image: Image.Image) -> int | None:
    """The EXIF orientation still to apply (pillow-heif applies a HEIF's own transforms while
    decoding and resets the tag)."""
    try:
        value = image.getexif().get(ExifTags.Base.Orientation)
    except Exception:  # exif_transpose() would fail on it the same way and apply nothing
        return None
    return value if isinstance(value, int) else None


def decode(
    data: bytes,
    declared_content_type: str | None,
    max_pixels: int,
    largest_target: int | None = None,
    shortest_target: int = 0,
) -> DecodedImage:
    """Checks and decodes an upload; raises PermanentImageError with a stable code."""
    return decode_opened(open_upload(data, declared_content_type, max_pixels), largest_target, shortest_target)


def normalise_mode(image: Image.Image) -> Image.Image:
    """RGB, RGBA or L, whatever the phone or editor produced."""
    mode = image.mode
    if mode in ("RGB", "RGBA", "L"):
        return image
    if mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if mode in ("LA", "PA", "RGBa", "La"):
        return image.convert("RGBA")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16"):
        # 16-bit grey: scale to 8 bits rather than clip.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if mode == "I":
        # 32-bit signed integers, which is also how Pillow opens 16-bit TIFFs, signed ones
        # included (-32768..32767): map the 16-bit range the values fit in to 8 bits, and
        # stretch anything wider, instead of dividing by 65536 (which rendered them black).
        low, high = _int_extrema(image)
        if low >= 0 and high <= 0xFFFF:
            low, span = 0, 0x10000
        elif low >= -0x8000 and high <= 0x7FFF:
            low, span = -0x8000, 0x10000
        else:
            span = max(1, high - low + 1)
        scale = 256 / span
        return image.point(lambda value: (value - low) * scale).convert("L")
    if mode == "F":
        return image.point(lambda value: value * 255).convert("L")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX ...


def _int_extrema(image: Image.Image) -> tuple[int, int]:
    low, high = image.getextrema()
    return int(low), int(high)  # type: ignore[arg-type]


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite over white instead of letting it turn black."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def encode(
    image: Image.Image,
    output_format: str,
    icc_profile: bytes | None = None,
    quality: int | None = None,
    fast: bool = False,
    gain_map: ultrahdr.GainMap | None = None,
) -> tuple[bytes, str, str]:
    """(bytes, content type, extension). No EXIF, GPS or XMP is written; the ICC profile only
    when given (an sRGB output carries none: sRGB is what every viewer assumes). `quality`
    overrides the format's default (PNG is lossless and ignores it). A JPEG given a gain map
    (already at its size) is written as Ultra HDR; other formats leave it."""
    pil_format, content_type = formats.OUTPUT_FORMATS[output_format]
    if pil_format == "AVIF" and not AVIF_SUPPORTED:
        pil_format, content_type = formats.OUTPUT_FORMATS["webp"]
    buffer = io.BytesIO()
    # Passed explicitly every time: PNG and AVIF would otherwise copy the image's own.
    common = {"icc_profile": icc_profile, "exif": b"", "xmp": b""}
    if pil_format == "JPEG":
        large = image.width * image.height > _PROGRESSIVE_FROM_PIXELS
        jpeg_quality = quality or JPEG_QUALITY
        _flatten(image).save(buffer, "JPEG", quality=jpeg_quality, optimize=True, progressive=large, **common)
        if gain_map is not None:
            return ultrahdr.with_gain_map(buffer.getvalue(), gain_map), content_type, formats.EXTENSIONS[pil_format]
    elif pil_format == "PNG":
        image.save(buffer, "PNG", compress_level=6, **common)
    elif pil_format == "WEBP":
        method = WEBP_METHOD_FAST if fast else WEBP_METHOD
        image.save(buffer, "WEBP", quality=quality or WEBP_QUALITY, method=method, **common)
    else:
        image.save(buffer, pil_format, quality=quality or AVIF_QUALITY, speed=AVIF_SPEED, **common)
    return buffer.getvalue(), content_type, formats.EXTENSIONS[pil_format]


def downscale(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Lanczos downscale: by libvips for an RGB or grey image (vips.takes), else as Pillow's
    `resize(..., reducing_gap=2)` would, but using every core.

    Pillow's way: a cheap integer `reduce()` first when the ratio is large, then Lanczos in
    horizontal strips on a thread pool (Pillow releases the GIL while resampling). Each strip
    resamples a box of the whole source, so kernels reach across strip edges and the result is
    pixel-identical to one resize() call. Only the target is allocated: no full-size copy as
    thumbnail() needs. An image with alpha goes through _downscale_with_alpha().
    """
    if image.mode in _PREMULTIPLIED:
        return _downscale_with_alpha(image, size)
    if vips.takes(image) and (resized := vips.resize(image, size)) is not None:
        return resized
    factor = int(min(image.width / size[0], image.height / size[1]) / _REDUCING_GAP)
    if factor >= 2:
        image = image.reduce(factor)
    width, height = size
    strips = min(_THREADS, max(1, height // _MIN_STRIP_ROWS))
    if strips == 1:
        return image.resize(size, Image.Resampling.LANCZOS)
    scale = image.height / height
    bounds = [round(height * i / strips) for i in range(strips + 1)]

    def strip(index: int) -> Image.Image:
        top, bottom = bounds[index], bounds[index + 1]
        box = (0.0, top * scale, float(image.width), bottom * scale)
        return image.resize((width, bottom - top), Image.Resampling.LANCZOS, box=box)

    result = Image.new(image.mode, size)
    for index, part in enumerate(_POOL.map(strip, range(strips))):
        result.paste(part, (0, bounds[index]))
    return result


_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
# Source rows an image with alpha is premultiplied in at a time (the memory estimate counts
# them): 256 rows of a 64 MP RGBA image are 8 MB, where the whole image is 256 MB.
_ALPHA_BAND_ROWS = budget.ALPHA_BAND_ROWS


def _downscale_with_alpha(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """downscale() of an RGBA or LA image, premultiplied a band of rows at a time.

    Resampling needs premultiplied alpha (else transparent pixels' colours bleed into their
    neighbours), and Pillow's reduce() and resize() make a premultiplied copy of the whole
    image, once per call and so once per strip (256 MB each for 64 MP). Here each band of
    source rows is premultiplied on its own: reduce() bands are whole blocks of the
    factor, and each Lanczos band takes the rows its kernel reaches (three output pixels' worth
    each side), so the result is the one resize() makes."""
    premultiplied = _PREMULTIPLIED[image.mode]
    factor = int(min(image.width / size[0], image.height / size[1]) / _REDUCING_GAP)
    if factor >= 2:
        rows = max(1, _ALPHA_BAND_ROWS // factor) * factor
        reduced = Image.new(premultiplied, (-(-image.width // factor), -(-image.height // factor)))

        def reduce_band(top: int) -> Image.Image:
            band = image.crop((0, top, image.width, min(image.height, top + rows)))
            return band.convert(premultiplied).reduce(factor)

        tops = range(0, image.height, rows)
        for top, part in zip(tops, _POOL.map(reduce_band, tops), strict=True):
            reduced.paste(part, (0, top // factor))
        return downscale(reduced, size).convert(image.mode)  # premultiplied: resized as it is
    width, height = size
    scale = image.height / height
    reach = 3 * max(1.0, scale) + 1  # Lanczos-3's support in source rows, and one for rounding
    rows = max(1, round(_ALPHA_BAND_ROWS / scale))

    def resize_band(top: int) -> Image.Image:
        bottom = min(height, top + rows)
        first = max(0, int(top * scale - reach))
        last = min(image.height, int(bottom * scale + reach) + 1)
        band = image.crop((0, first, image.width, last)).convert(premultiplied)
        box = (0.0, top * scale - first, float(image.width), bottom * scale - first)
        return band.resize((width, bottom - top), Image.Resampling.LANCZOS, box=box)

    result = Image.new(premultiplied, size)
    tops = range(0, height, rows)
    for top, part in zip(tops, _POOL.map(resize_band, tops), strict=True):
        result.paste(part, (0, top))
    return result.convert(image.mode)


def fit_within(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The largest size with the same aspect ratio whose longer side is at most max_side."""
    width, height = size
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit_in_srgb(image: Image.Image, max_side: int, profile: bytes | None) -> Image.Image:
    """_fit(), then converted to sRGB: by libvips in one pass where it takes the image (one
    copy each way instead of two), else resized, then converted in strips."""
    size = fit_within(image.size, max_side) if max(image.size) > max_side else image.size
    if profile is not None and image.mode == "RGB" and vips.takes(image):
        converted = vips.resize(image, size, profile)
        if converted is not None:
            return converted
    return to_srgb(_fit(image, max_side), profile)


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    return downscale(image, fit_within(image.size, max_side)) if max(image.size) > max_side else image


def render_variants(
    image: Image.Image,
    variants: Sequence[VariantSpec],
    profile: bytes | None = None,
    faces: Sequence[Mapping[str, float]] = (),
    gain_map: ultrahdr.GainMap | None = None,
) -> list[Rendition]:
    """Each variant fits in max_size x max_size, never upscaled, made from the next larger one;
    a box variant is cut from the image itself (see _render_box).

    `profile` is the ICC profile of the image's pixels when they are not sRGB. The downscales
    run in that space, and the first sRGB variant is converted at its own size and the smaller
    sRGB ones made from it, so colour management costs the pixels of the outputs only.
    `faces` (ratios of the image) place the crops of box variants with focus "faces".
    `gain_map` (an Ultra HDR original's, covering the image) is scaled into each JPEG variant.
    """
    encoding: dict[str, Future[Rendition]] = {}
    saving: dict[int, Future[Rendition]] = {}  # by id() of the image a fitted variant encodes
    for spec in variants:
        if spec.box:
            # One box at a time: each may be as large as the image, and the memory budget counts
            # one box (and its encoder) beside the decoded image, not all of them at once.
            encoding[spec.name] = _render_box(image, spec, profile, faces, gain_map)
            encoding[spec.name].result()
    chains = {SOURCE_COLOR_SPACE: image}  # the latest (smallest) image in each colour space
    fitted = [spec for spec in variants if not spec.box]
    for spec in sorted(fitted, key=lambda v: v.max_size, reverse=True):
        space = SOURCE_COLOR_SPACE if profile is None else spec.color_space
        if space not in chains:
            chains[space] = _fit_in_srgb(chains[SOURCE_COLOR_SPACE], spec.max_size, profile)
        current = chains[space] = _fit(chains[space], spec.max_size)
        if id(current) in saving:
            # _fit() returned an image already being saved (it was small enough): Image.save()
            # sets attributes on the object it saves, so one object is never saved on two
            # threads at once. The futures keep each image alive, so its id stays its own.
            saving[id(current)].result()
        box = (0.0, 0.0, float(image.width), float(image.height))
        hdr = (gain_map, box, image.size) if gain_map is not None else None
        future = _encode_later(spec, current, profile if space == SOURCE_COLOR_SPACE else None, hdr)
        encoding[spec.name] = saving[id(current)] = future
    return [encoding[spec.name].result() for spec in variants]


# A gain map to carry into a variant: the map, the part of the image the variant shows (a box
# in its pixels), and the image's size.
_HdrSource = tuple[ultrahdr.GainMap, tuple[float, float, float, float], tuple[int, int]]


def _encode_later(
    spec: VariantSpec, image: Image.Image, profile: bytes | None, hdr: _HdrSource | None = None
) -> Future[Rendition]:
    """Encodes on the pool while the caller goes on to the next, smaller variant: an encode runs
    on one core (a 2048 px progressive JPEG takes ~45 ms), and the resize that follows it keeps
    the other busy. Only leaf work goes to the pool, so no pool task ever waits for another."""

    def rendition() -> Rendition:
        keep = profile if image.mode != "L" else None
        gain_map = None
        if hdr is not None and formats.OUTPUT_FORMATS[spec.format][0] == "JPEG":
            source, box, size = hdr
            gain_map = source.cropped(box, size, image.size)
        body, content_type, extension = encode(image, spec.format, keep, spec.quality, spec.fast, gain_map)
        return Rendition(spec.name, body, image.width, image.height, content_type, extension)

    return _POOL.submit(rendition)


def _render_box(
    image: Image.Image,
    spec: VariantSpec,
    profile: bytes | None,
    faces: Sequence[Mapping[str, float]],
    gain_map: ultrahdr.GainMap | None = None,
) -> Future[Rendition]:
    """An exact box: cover crops a window of the box's aspect (placed by focus) and scales it
    to the box in one resample; contain fits within the box. Never upscaled: a box larger than
    the window gets the window at its own resolution."""
    assert spec.box is not None
    if spec.fit == "contain":
        box = (0.0, 0.0, float(image.width), float(image.height))
        scale = min(spec.box[0] / image.width, spec.box[1] / image.height, 1.0)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    else:
        box = crop.cover_box(image, spec.box, spec.focus, faces)
        window = (box[2] - box[0], box[3] - box[1])
        scale = min(spec.box[0] / window[0], 1.0)  # the same for both sides: the window has the box's aspect
        size = (max(1, round(window[0] * scale)), max(1, round(window[1] * scale)))
    result = image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=_REDUCING_GAP)
    space = SOURCE_COLOR_SPACE if profile is None else spec.color_space
    if space != SOURCE_COLOR_SPACE:
        result = to_srgb(result, profile)
    hdr = (gain_map, box, image.size) if gain_map is not None else None
    return _encode_later(spec, result, profile if space == SOURCE_COLOR_SPACE else None, hdr)


def to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """colour.to_srgb() in horizontal strips on every core: littleCMS releases the GIL, and
    its per-pixel cost (about 30 ns through Pillow, whatever the profiles) is most of what
    colour management adds to a large variant."""
    strips = min(_THREADS, max(1, image.height // _MIN_STRIP_ROWS))
    if profile is None or strips == 1 or image.mode not in ("RGB", "RGBA"):
        return colour.to_srgb(image, profile)
    bounds = [round(image.height * i / strips) for i in range(strips + 1)]
    parts = _POOL.map(
        lambda i: colour.to_srgb(image.crop((0, bounds[i], image.width, bounds[i + 1])), profile), range(strips)
    )
    result = Image.new(image.mode, image.size)
    for index, part in enumerate(parts):
        result.paste(part, (0, bounds[index]))
    return result


def preview(decoded: DecodedImage, max_side: int) -> Image.Image:
    """A small sRGB copy of the decoded original, for analysis and the placeholder."""
    small = colour.to_srgb(_fit(decoded.image, max_side), decoded.profile)
    # A copy when nothing made a new image: providers may draw on theirs, and the original
    # goes on to the edits and the variants.
    return small.copy() if small is decoded.image else small
