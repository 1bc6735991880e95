"""What EXIF says about a capture reaches the job's analysis, and never an output file."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from photopipe.config import settings_from
from photopipe.images import metadata
from photopipe.images.variants import VariantSpec
from photopipe.jobs.events import JobEvent
from photopipe.jobs.model import Operations, original_key
from photopipe.jobs.processing import ProcessingService
from photopipe.jobs.service import JobService
from photopipe.jobs.work import Outcome, UploadedObject
from photopipe.providers.local import LocalProvider
from tests.support.fakes import InMemoryJobs, InMemoryStore, RecordingPublisher
from tests.support.images import phone_exif, phone_photo


def read(data: bytes) -> metadata.Capture:
    return metadata.read_capture(Image.open(io.BytesIO(data)))


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF", "AVIF", "WEBP", "PNG"])
def test_capture_metadata_is_read_from_every_format(fmt: str) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    capture = read(phone_photo(phone_exif(), fmt))
    assert capture.captured_at == "2026-07-14T18:03:27.420+02:00"
    assert (capture.make, capture.model) == ("Apple", "iPhone 17 Pro")
    assert capture.lens and capture.lens.startswith("iPhone 17 Pro back")
    assert capture.orientation == 6
    assert (capture.latitude, capture.longitude) == (-33.865, 151.21)


@pytest.mark.parametrize(
    ("original", "offset", "expected"),
    [
        ("2026:07:14 18:03:27", None, "2026-07-14T18:03:27"),
        ("2026:07:14 18:03:27", "garbage", "2026-07-14T18:03:27"),
        ("0000:00:00 00:00:00", "+02:00", None),
        ("2026:13:45 99:99:99", None, None),
        ("   ", None, None),
    ],
)
def test_dates_are_iso_8601_or_absent(original: str, offset: str | None, expected: str | None) -> None:
    details: dict[int, object] = {
        ExifTags.Base.DateTimeOriginal: original,
        ExifTags.Base.SubsecTimeOriginal: "",
        ExifTags.Base.OffsetTimeOriginal: offset or "",
    }
    assert read(phone_photo(phone_exif(details))).captured_at == expected


def test_hostile_exif_yields_nothing_rather_than_a_failure() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "\x00\x1b[31mEvil\x00" + "x" * 5000
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitude: (1.0, 2.0), ExifTags.GPS.GPSLongitude: (999.0, 0.0, 0.0)}
    capture = read(phone_photo(exif))
    assert capture.make is not None and capture.make.startswith("[31mEvil") and len(capture.make) == 128
    assert capture.latitude is None and capture.longitude is None
    # A truncated EXIF block: Pillow's parser may raise on it; the capture is simply empty.
    data = phone_photo(phone_exif())
    marker = data.index(b"Exif\x00\x00")
    broken = data[: marker + 40] + b"\xff" * 40 + data[marker + 80 :]
    assert read(broken).captured_at is None or isinstance(read(broken).captured_at, str)


class World:
    def __init__(self, expose_location: bool) -> None:
        settings = settings_from({"EXPOSE_LOCATION": "1" if expose_location else "0"})
        self.jobs, self.store = InMemoryJobs(), InMemoryStore()
        self.api = JobService(settings, self.jobs, self.store)
        self.events = RecordingPublisher(0)
        self.worker = ProcessingService(settings, self.jobs, self.store, self.events, LocalProvider())

    def run(self, data: bytes, operations: Operations) -> dict[str, object]:
        job, _ = self.api.create_job("alice", "image/jpeg", len(data), operations)
        key = original_key("alice", job.job_id)
        self.store.uploads[key] = data
        assert self.worker.process(UploadedObject("uploads", key, len(data), '"e"'), "m").outcome is Outcome.COMPLETED
        finished = self.jobs.items[job.job_id]
        for output in finished.outputs:
            written = Image.open(io.BytesIO(self.store.results[output.key][0]))
            assert not written.getexif(), f"{output.name} carries EXIF"
            assert not {"exif", "xmp", "icc_profile"} & set(written.info), f"{output.name}: {set(written.info)}"
        assert finished.analysis is not None
        return finished.analysis


def test_the_owner_sees_the_capture_but_no_location_by_default() -> None:
    variants = tuple(VariantSpec(fmt, 200, fmt) for fmt in ("jpeg", "png", "webp", "avif"))
    analysis = World(expose_location=False).run(phone_photo(phone_exif()), Operations(variants=variants))
    assert analysis["capturedAt"] == "2026-07-14T18:03:27.420+02:00"
    assert analysis["camera"] == {
        "make": "Apple",
        "model": "iPhone 17 Pro",
        "lens": "iPhone 17 Pro back triple camera 6.76mm f/1.78",
    }
    assert analysis["orientation"] == 6
    assert (analysis["width"], analysis["height"]) == (480, 640), "of the oriented original"
    assert "location" not in analysis


def test_a_deployment_that_exposes_location_shows_it_to_the_owner_only_in_the_analysis() -> None:
    analysis = World(expose_location=True).run(phone_photo(phone_exif()), Operations())
    assert analysis["location"] == {"latitude": -33.865, "longitude": 151.21}


def test_a_job_without_analysis_still_has_its_placeholder_and_capture() -> None:
    analysis = World(expose_location=False).run(phone_photo(phone_exif()), Operations(analysis=False))
    assert set(analysis) >= {"placeholder", "capturedAt", "camera", "width", "height", "sourceFormat"}
    assert "dominantColors" not in analysis and "provider" not in analysis
    assert isinstance(analysis["placeholder"], dict) and analysis["placeholder"]["thumbhash"]


def test_the_job_event_carries_the_placeholder_to_every_device() -> None:
    world = World(expose_location=False)
    analysis = world.run(phone_photo(phone_exif()), Operations(analysis=False))
    (event,) = world.events.events
    message = event.to_message()
    assert message["placeholder"] == analysis["placeholder"]
    assert JobEvent.from_message(message) == event
