"""One user's image cannot take the worker's memory from everybody else's."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

from photopipe.config import settings_from
from photopipe.errors import ErrorCode, PermanentImageError
from photopipe.images import budget, engine, icc, rendering
from photopipe.images.edits import CropEdit, ResizeEdit, RotateEdit, WatermarkEdit
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.jobs.model import JobStatus, Operations, original_key
from photopipe.jobs.processing import ProcessingService
from photopipe.jobs.service import JobService
from photopipe.jobs.work import Outcome, UploadedObject
from photopipe.providers.local import LocalProvider
from tests.support import colour
from tests.support.fakes import InMemoryJobs, InMemoryStore, RecordingPublisher
from tests.support.images import encode, photo, png_header_only

MIB = rendering.MIB


def test_a_99_mp_rgba_png_is_estimated_at_what_it_takes_not_at_its_file_size() -> None:
    need = budget.estimate((9999, 9900), "RGBA", [], original_bytes=385_000, variants=DEFAULT_VARIANTS)
    assert need.peak_bytes > 9999 * 9900 * 4 * budget.MARGIN  # decoded, 4 bytes a pixel, and resizing's bands
    with_watermark = budget.estimate((9999, 9900), "RGBA", [WatermarkEdit(text="x")], 385_000)
    assert with_watermark.peak_bytes > need.peak_bytes


def test_edits_are_sized_from_their_specs_before_any_pixel_is_decoded() -> None:
    six_rotations = [RotateEdit(degrees=45)] * 6
    need = budget.estimate((2309, 1732), "RGB", six_rotations, 0)  # 4 MP
    assert need.largest_pixels > 200_000_000  # each 45-degree turn with expand doubles the area
    assert CropEdit(left=0, top=0, width=10, height=20).size_after((100, 50)) == (10, 20)
    assert ResizeEdit(width=50, height=50).size_after((100, 50)) == (50, 25)
    assert RotateEdit(degrees=90).size_after((100, 50)) == (50, 100)


def test_a_record_waits_while_others_hold_the_memory_it_needs() -> None:
    memory = rendering.MemoryBudget(100 * MIB)
    entered = threading.Event()
    order: list[str] = []
    with memory.reserve(70 * MIB):

        def second() -> None:
            with memory.reserve(50 * MIB):
                order.append("second")
                entered.set()

        thread = threading.Thread(target=second)
        thread.start()
        assert not entered.wait(0.2), "the second record ran while the first held 70 of 100 MiB"
        order.append("first done")
    thread.join(5)
    assert order == ["first done", "second"]
    assert memory.free_bytes == 100 * MIB


def test_a_record_that_could_never_fit_is_refused_for_good() -> None:
    memory = rendering.MemoryBudget(100 * MIB)
    with pytest.raises(PermanentImageError) as refused, memory.reserve(101 * MIB):
        pass
    assert refused.value.code is ErrorCode.MEMORY_LIMIT_EXCEEDED
    assert memory.free_bytes == 100 * MIB


class World:
    def __init__(self, memory_mb: int = 1769, **env: str) -> None:
        self.settings = settings_from({"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb), **env})
        self.jobs, self.store = InMemoryJobs(), InMemoryStore()
        self.api = JobService(self.settings, self.jobs, self.store)
        self.worker = ProcessingService(self.settings, self.jobs, self.store, RecordingPublisher(), LocalProvider())

    def run(self, data: bytes, content_type: str, operations: Operations | None = None) -> str:
        job, _ = self.api.create_job("alice", content_type, len(data), operations or Operations())
        key = original_key("alice", job.job_id)
        self.store.uploads[key] = data
        assert self.worker.process(UploadedObject("b", key, len(data), "e"), "m").outcome in (
            Outcome.COMPLETED,
            Outcome.FAILED,
        )
        stored = self.jobs.items[job.job_id]
        return stored.error.code if stored.error else stored.status.value


def test_a_png_over_the_full_decode_limit_fails_before_decoding() -> None:
    # 99 MP is under the 100 MP limit a JPEG may have (it decodes at 1/8 scale), but a PNG
    # decodes whole: 400 MB a copy. The header alone decides.
    assert World().run(png_header_only(9999, 9900), "image/png") == "PIXEL_LIMIT_EXCEEDED"


def test_an_edit_chain_that_would_grow_past_the_limit_fails_before_decoding() -> None:
    rotations = Operations(
        variants=(VariantSpec("small", 256),), edits=tuple({"op": "rotate", "degrees": 45} for _ in range(6))
    )
    assert World().run(photo(2309, 1732), "image/jpeg", rotations) == "PIXEL_LIMIT_EXCEEDED"


def test_an_image_that_cannot_fit_the_functions_memory_is_refused_with_its_own_code() -> None:
    # 8000 x 8000 RGBA: 64 MP, within the pixel limit; with a watermark about 1.3 GB at peak,
    # more than a 1024 MB function has for one image.
    big = encode(Image.new("RGBA", (8000, 8000), (10, 20, 30, 255)), "PNG", compress_level=1)
    watermark = Operations(variants=(VariantSpec("small", 256),), edits=({"op": "watermark", "text": "(c)"},))
    assert World(memory_mb=1024).run(big, "image/png", watermark) == "MEMORY_LIMIT_EXCEEDED"


def test_a_jpeg_that_drafts_small_is_admitted_by_its_decoded_size() -> None:
    world = World(memory_mb=300)  # 44 MiB for images: a 12 MP JPEG decoded whole would not fit
    assert world.run(photo(4000, 3000), "image/jpeg", Operations(variants=(VariantSpec("t", 256),))) == (
        JobStatus.COMPLETED.value
    )


def test_a_signed_16_bit_tiff_is_not_rendered_black() -> None:
    row = b"".join((x * 256 - 32768).to_bytes(2, "little", signed=True) for x in range(256))
    ramp = row * 64
    image = Image.frombytes("I", (256, 64), ramp, "raw", "I;16S")
    decoded = engine.decode(encode(image, "TIFF"), "image/tiff", 10_000_000)
    assert decoded.image.mode == "L"
    low, high = decoded.image.getextrema()  # type: ignore[misc]
    assert low < 10 and high > 245, (low, high)


def test_converting_to_srgb_is_counted_for_the_largest_srgb_variant_only() -> None:
    plain = budget.estimate((8000, 6000), "RGB", [], 0)
    full = budget.estimate((8000, 6000), "RGB", [], 0, largest_variant=8192)
    small = budget.estimate((8000, 6000), "RGB", [], 0, largest_variant=800)
    # Beside the decoded image, after resizing (nothing resized here): the image converted, its
    # strips cut and converted, and the image they are pasted into.
    assert full.peak_bytes - plain.peak_bytes == pytest.approx(4 * 8000 * 6000 * 4 * budget.MARGIN, abs=1)
    assert small.peak_bytes - plain.peak_bytes == pytest.approx(4 * 800 * 600 * 4 * budget.MARGIN, abs=1)


def test_a_wide_gamut_photo_whose_conversion_cannot_fit_is_refused_not_killed() -> None:
    p3 = colour.profile(icc.DISPLAY_P3)
    big = encode(Image.new("RGB", (6000, 6000), (10, 20, 30)), "PNG", compress_level=1, icc_profile=p3)
    full = Operations(variants=(VariantSpec("full", 8192),))
    kept = Operations(variants=(VariantSpec("full", 8192, "jpeg", "source"),))
    # 36 MP of RGB: decoded (about 180 MiB with the margins) it fits the 384 MiB one render may
    # use; four more copies for the conversion (about 600 MiB) do not.
    assert World(memory_mb=900).run(big, "image/png", kept) == JobStatus.COMPLETED.value
    assert World(memory_mb=900).run(big, "image/png", full) == "MEMORY_LIMIT_EXCEEDED"


def test_a_box_variant_is_counted_with_its_encoders_memory_and_only_the_largest_one() -> None:
    full = VariantSpec("full", 4000)  # the same resizing in each: none but the preview's
    plain = budget.estimate((4000, 4000), "RGB", [], 0, variants=[full])
    one_box = budget.estimate(
        (4000, 4000), "RGB", [], 0, variants=[full, VariantSpec("b", 4000, "avif", width=4000, height=4000)]
    )
    eight = [VariantSpec(f"b{i}", 4000, "avif", width=4000, height=4000) for i in range(8)]
    eight_boxes = budget.estimate((4000, 4000), "RGB", [], 0, variants=[full, *eight])

    # the box and AVIF's 3 copies
    assert one_box.peak_bytes - plain.peak_bytes == pytest.approx(4 * 4000 * 4000 * 4 * budget.MARGIN, abs=1)
    assert eight_boxes.peak_bytes == one_box.peak_bytes  # rendered one at a time
    assert eight_boxes.output_pixels == 9 * 4000 * 4000  # the full-size variant and the boxes
