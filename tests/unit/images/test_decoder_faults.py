"""Whatever is wrong with the bytes fails the job at once with a code; only the infrastructure is
retried. Checked the way an outsider would: on files the tests damage at random, not on ones the
team chose."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import engine, pipeline, rendering
from photopipe.images.rendering import MemoryBudget
from photopipe.images.variants import DEFAULT_VARIANTS
from photopipe.providers.local import LocalProvider


def encoded(fmt: str, mode: str = "RGB", **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (40, 30), "teal").save(buffer, fmt, **params)
    return buffer.getvalue()


SEEDS = {
    "tiff": encoded("TIFF"),
    "tiff_lzw": encoded("TIFF", compression="tiff_lzw"),
    "tiff_16bit": encoded("TIFF", mode="I;16"),
    "png": encoded("PNG"),
    "png_palette": encoded("PNG", mode="P"),
    "jpeg": encoded("JPEG"),
    "jpeg_cmyk": encoded("JPEG", mode="CMYK"),
    "gif": encoded("GIF"),
    "webp": encoded("WEBP"),
}
REQUEST = rendering.RenderRequest(DEFAULT_VARIANTS)
# What a damaged file may fail with: each says what is wrong with the bytes.
BYTES_CODES = {
    ErrorCode.TRUNCATED_IMAGE,
    ErrorCode.NOT_AN_IMAGE,
    ErrorCode.UNSUPPORTED_IMAGE_FORMAT,
    ErrorCode.PIXEL_LIMIT_EXCEEDED,
    ErrorCode.DECOMPRESSION_BOMB,
    ErrorCode.MEMORY_LIMIT_EXCEEDED,
}
LIMITS = rendering.RenderLimits(max_image_pixels=50_000_000, max_full_decode_pixels=20_000_000)


@st.composite
def damaged(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed with a few bytes past its signature overwritten (the sniffer still takes it)."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(8, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns of the damage it skips over
@pytest.mark.parametrize("kind", SEEDS)
def test_a_damaged_file_renders_or_fails_with_a_code_never_with_a_retry(kind: str) -> None:
    @settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(damaged(SEEDS[kind]))
    def render(data: bytes) -> None:
        code = None
        try:
            pipeline.render(data, None, REQUEST, LocalProvider(), MemoryBudget(2**30), LIMITS)
        except PermanentImageError as refused:
            code = refused.code
        # Anything else raised here would be retried by the worker as if the infrastructure failed.
        assert code in {None, *BYTES_CODES}

    render()


def test_a_decoder_built_without_the_files_codec_is_an_unsupported_format(monkeypatch: pytest.MonkeyPatch) -> None:
    # What pillow-heif says of a HEIC whose images are AVC-coded.
    def no_avc(*args: object, **kwargs: object) -> Image.Image:
        raise RuntimeError("Support for this compression format has not been built in: AVC")

    monkeypatch.setattr(Image, "open", no_avc)

    with pytest.raises(PermanentImageError) as refused:
        engine.open_upload(SEEDS["jpeg"], "image/jpeg", 50_000_000)

    assert refused.value.code is ErrorCode.UNSUPPORTED_IMAGE_FORMAT
    assert "AVC" in refused.value.message


def test_running_out_of_memory_is_not_blamed_on_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = engine.open_upload(SEEDS["png"], "image/png", 50_000_000)

    def out_of_memory() -> None:
        raise MemoryError

    monkeypatch.setattr(opened.image, "load", out_of_memory)

    with pytest.raises(MemoryError):
        engine.decode_opened(opened)


def test_a_decoder_error_on_corrupt_data_is_damage_not_a_missing_codec(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = engine.open_upload(SEEDS["png"], "image/png", 50_000_000)

    def corrupt() -> None:
        raise OSError("decoder error -2 when reading image file")  # Pillow's words for bad data

    monkeypatch.setattr(opened.image, "load", corrupt)

    with pytest.raises(PermanentImageError) as refused:
        engine.decode_opened(opened)

    assert refused.value.code is ErrorCode.TRUNCATED_IMAGE
