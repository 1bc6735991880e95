"""Renders in child processes: a photo past its memory, its deadline, or killed by a signal fails
alone, and leaves no child, thread or reservation behind. Real processes on this machine; the
misbehaving children are small scripts that speak the protocol, so each case is exact and quick."""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from photopipe.adapters.render_children import ChildRenderer
from photopipe.config import settings_from
from photopipe.errors import ErrorCode, PermanentImageError, TransientError
from photopipe.handlers import worker
from photopipe.images.rendering import MIB, MemoryBudget, RenderRequest
from photopipe.images.variants import DEFAULT_VARIANTS, VariantSpec
from photopipe.jobs.model import JobStatus
from photopipe.jobs.processing import ProcessingService
from tests.support import subjects
from tests.support.events import Context, sqs_event
from tests.support.images import encode, photo
from tests.support.worlds import World, job_id_of

# A child that asks for a little memory, is granted it, then misbehaves.
MISBEHAVING = """
import os, signal, sys, time
from photopipe.adapters.render_children import read_frame, write_frame
read_frame(sys.stdin.buffer)
write_frame(sys.stdout.buffer, ("reserve", 8 * 2**20))
read_frame(sys.stdin.buffer)
how = sys.argv[1]
if how == "hog":
    hog = bytearray(b"x") * (1200 * 2**20)  # written, so resident
if how == "crash":
    os.kill(os.getpid(), signal.SIGSEGV)
time.sleep(60)
"""
REQUEST = RenderRequest(DEFAULT_VARIANTS)


def misbehaving(how: str, budget: MemoryBudget, deadline_seconds: float = 20) -> ChildRenderer:
    return ChildRenderer(budget, deadline_seconds, command=[sys.executable, "-c", MISBEHAVING, how])


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "photo.jpg"
    path.write_bytes(photo(800, 600))
    return path


@pytest.fixture(autouse=True)
def local_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGE_PROVIDER", "local")  # the children read their settings at start


def children_of_this_process() -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_photos_render_in_a_reused_child_and_a_refused_estimate_keeps_it(jpeg: Path) -> None:
    budget = MemoryBudget(64 * MIB)
    renderer = ChildRenderer(budget, 20)
    try:
        first = renderer.render(jpeg, "image/jpeg", REQUEST, math.inf)
        assert [r.name for r in first.renditions] == ["thumbnail", "medium", "large"]
        assert first.analysis["width"] == 800
        (child,) = children_of_this_process()
        huge = RenderRequest(
            [VariantSpec("huge", 8000, "png", "srgb", 8000, 8000)], [{"op": "resize", "width": 8000, "height": 6000}]
        )
        with pytest.raises(PermanentImageError) as refused:
            renderer.render(jpeg, "image/jpeg", huge, math.inf)
        assert refused.value.code is ErrorCode.MEMORY_LIMIT_EXCEEDED
        renderer.render(jpeg, "image/jpeg", REQUEST, math.inf)
        assert children_of_this_process() == [child]  # the same child throughout
        assert budget.free_bytes == budget.total_bytes
    finally:
        renderer.close()


@pytest.mark.parametrize(
    ("how", "code", "deadline_seconds"),
    [
        ("hog", ErrorCode.MEMORY_LIMIT_EXCEEDED, 20),
        ("sleep", ErrorCode.PROCESSING_TIMEOUT, 0.5),
        ("crash", ErrorCode.DECODER_CRASHED, 20),
    ],
)
def test_a_child_past_its_memory_or_deadline_or_killed_fails_its_photo_alone(
    jpeg: Path, how: str, code: ErrorCode, deadline_seconds: float
) -> None:
    budget = MemoryBudget(64 * MIB)  # the hog's 1200 MiB is far past what it was admitted with
    renderer = misbehaving(how, budget, deadline_seconds)
    threads = threading.active_count()
    started = time.monotonic()
    with pytest.raises(PermanentImageError) as failed:
        renderer.render(jpeg, "image/jpeg", REQUEST, math.inf)
    assert failed.value.code is code, failed.value.message
    assert time.monotonic() - started < 10
    assert children_of_this_process() == []  # killed and reaped, not left for the next photo
    assert budget.free_bytes == budget.total_bytes and threading.active_count() == threads
    renderer.close()


def test_the_models_a_child_loads_on_its_first_photos_are_not_counted_against_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A fresh child with the on-device models: loading them (~450 MB) during small photos' renders
    must not be taken for those photos' memory (it was, and they failed MEMORY_LIMIT_EXCEEDED)."""
    monkeypatch.setenv("IMAGE_PROVIDER", "ondevice")
    monkeypatch.setenv("TEXT_DETECTION", "1")  # as locally: the text model too
    source = tmp_path / "subject.png"
    source.write_bytes(encode(subjects.labelled_set()[2].image, "PNG"))
    renderer = ChildRenderer(MemoryBudget(512 * MIB), 60)
    try:
        for edit in ({"op": "blurBackground", "radius": 15}, {"op": "removeBackground"}, {"op": "redactFaces"}):
            request = RenderRequest([VariantSpec("out", 640, "png")], [edit])
            assert renderer.render(source, "image/png", request, math.inf).renditions, edit
    finally:
        renderer.close()


def test_a_photo_the_invocation_has_too_little_time_for_is_not_started(jpeg: Path) -> None:
    renderer = ChildRenderer(MemoryBudget(64 * MIB), 20)
    with pytest.raises(TransientError):
        renderer.render(jpeg, "image/jpeg", REQUEST, time.monotonic() + 5)
    assert children_of_this_process() == []


def test_a_record_past_its_deadline_in_the_real_handler_fails_its_job_and_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker's own handler, its domain over fakes, the sleeping child: the job FAILED with
    PROCESSING_TIMEOUT within the invocation, and the next photo finds a full budget."""
    settings = settings_from({"MAX_UPLOAD_BYTES": "10000000"})
    world = World()
    budget = MemoryBudget(64 * MIB)
    service = ProcessingService(
        settings, world.jobs, world.store, world.events, None, renderer=misbehaving("sleep", budget, 1)
    )
    monkeypatch.setattr(worker.wiring, "processing_service", lambda span=None: service)
    upload = world.upload(photo(64, 48))
    threads = threading.active_count()
    event = sqs_event(upload.key)
    response = worker.lambda_handler(event, Context(remaining_ms=8_000))  # type: ignore[arg-type]
    assert response == {"batchItemFailures": []}
    job = world.jobs.items[job_id_of(upload)]
    assert job.status is JobStatus.FAILED and job.error and job.error.code == "PROCESSING_TIMEOUT"
    assert budget.free_bytes == budget.total_bytes
    assert threading.active_count() == threads and children_of_this_process() == []
