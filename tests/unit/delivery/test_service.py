"""The delivery service with in-memory jobs and storage, and real images."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from photopipe.delivery.service import Answer, DeliveryLimits, DeliveryRequest, DeliveryService
from photopipe.delivery.signing import UrlSigner
from photopipe.images import engine
from photopipe.images.rendering import MemoryBudget, RenderLimits
from photopipe.images.variants import DEFAULT_VARIANTS
from photopipe.jobs.model import Job, JobStatus, Output, original_key
from tests.support.fakes import InMemoryJobs, InMemoryLimiter, InMemoryStore
from tests.support.images import photo

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
SIGNER = UrlSigner("https://img.example", ("key",))


class CountingJobs(InMemoryJobs):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, job_id: str) -> Job | None:
        self.reads += 1
        return super().get(job_id)


@pytest.fixture
def world() -> tuple[DeliveryService, CountingJobs, InMemoryStore, str]:
    jobs, store = CountingJobs(), InMemoryStore()
    original = photo(1600, 1200)
    image = Image.open(io.BytesIO(original))
    renditions = engine.render_variants(image.convert("RGB"), DEFAULT_VARIANTS)
    outputs = []
    for rendition in renditions:
        key = f"results/alice/job1/{rendition.name}.{rendition.extension}"
        store.write_result(key, rendition.body, rendition.content_type)
        outputs.append(
            Output(rendition.name, key, rendition.width, rendition.height, rendition.content_type, len(rendition.body))
        )
    store.uploads[original_key("alice", "job1")] = original
    stamp = "2026-05-10T11:00:00.000Z"
    jobs.items["job1"] = Job(
        "job1",
        "alice",
        JobStatus.COMPLETED,
        "image/jpeg",
        len(original),
        stamp,
        stamp,
        outputs=outputs,
        analysis={"width": 1600, "height": 1200, "hasAlpha": False},
    )
    return delivery(jobs, store), jobs, store, SIGNER.sign("job1", NOW).url.removeprefix("https://img.example")


def delivery(
    jobs: InMemoryJobs,
    store: InMemoryStore,
    limiter: InMemoryLimiter | None = None,
    sleep: Callable[[float], None] = lambda seconds: None,
    **limits: Any,
) -> DeliveryService:
    settings = DeliveryLimits(
        **{"max_inline_bytes": 4_000_000, "cors_allowed_origins": ("https://app.example",)} | limits
    )
    memory, render_limits = MemoryBudget(512 * 2**20), RenderLimits(100_000_000, 64_000_000)
    return DeliveryService(
        SIGNER,
        jobs,
        store,
        memory,
        render_limits,
        settings,
        limiter or InMemoryLimiter(),
        clock=lambda: NOW,
        sleep=sleep,
    )


def get(service: DeliveryService, path: str, method: str = "GET", **headers: str) -> Answer:
    return service.handle(DeliveryRequest(method, path, {k.replace("_", "-"): v for k, v in headers.items()}))


def size_of(answer: Answer) -> tuple[int, int]:
    return Image.open(io.BytesIO(answer.body)).size


def error_code(answer: Answer) -> str:
    assert answer.headers["Cache-Control"] == "no-store"
    return str(json.loads(answer.body)["error"]["code"])


def test_a_variants_url_serves_the_stored_bytes(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, _, store, base = world
    answer = get(service, f"{base}/w_1024,h_1024,fit_contain,f_jpeg")
    assert answer.status == 200 and answer.body == store.results["results/alice/job1/medium.jpg"][0]
    assert answer.headers["Content-Type"] == "image/jpeg" and answer.headers["Content-Length"] == str(len(answer.body))


def test_a_new_size_renders_from_the_smallest_variant_that_covers_it_then_is_one_cache_read(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, jobs, store, base = world
    del store.uploads[original_key("alice", "job1")]  # never needed: the medium variant covers 300 px
    first = get(service, f"{base}/w_300,f_webp")
    assert first.status == 200 and size_of(first) == (300, 225) and first.headers["Content-Type"] == "image/webp"
    reads = jobs.reads
    again = get(service, f"{base}/f_webp,w_300")  # the same transform in another order
    assert again.body == first.body and again.headers["ETag"] == first.headers["ETag"] and jobs.reads == reads


def test_an_edited_image_renders_from_the_variant_that_covers_the_size_never_the_original(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    """The variants are the edited image (an edit asked later, or one made at creation); the
    original is not, so a size no variant covers comes from the largest."""
    service, jobs, store, base = world
    job = jobs.items["job1"]
    job.operations = replace(job.operations, edits=({"op": "grayscale"},))
    del store.uploads[original_key("alice", "job1")]
    assert size_of(get(service, f"{base}/w_640,f_png")) == (640, 480)  # from medium, not the 256 px thumbnail
    assert size_of(get(service, f"{base}/w_1600,f_png")) == (1600, 1200)  # the large variant, the most there is


def test_a_size_past_the_original_is_clamped_and_comes_from_the_original(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, _, _, base = world
    assert size_of(get(service, f"{base}/w_3000,f_jpeg")) == (1600, 1200)
    assert size_of(get(service, f"{base}/w_200,h_200,dpr_2.0,f_png")) == (400, 400)


def test_f_auto_follows_accept_and_says_so_in_vary(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, _, _, base = world
    formats = {
        accept: get(service, f"{base}/w_320", accept=accept).headers["Content-Type"]
        for accept in ("image/avif,image/webp,*/*", "image/webp,*/*", "*/*")
    }
    assert list(formats.values()) == [
        "image/avif" if engine.AVIF_SUPPORTED else "image/webp",
        "image/webp",
        "image/jpeg",
    ]
    assert get(service, f"{base}/w_320").headers["Vary"] == "Accept"
    assert "Vary" not in get(service, f"{base}/w_320,f_jpeg").headers


def test_a_current_etag_gets_304_and_head_gets_the_headers_alone(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, _, _, base = world
    full = get(service, f"{base}/w_256,h_256,fit_contain,f_jpeg")
    assert get(service, f"{base}/w_256,h_256,fit_contain,f_jpeg", if_none_match=full.headers["ETag"]).status == 304
    head = get(service, f"{base}/w_256,h_256,fit_contain,f_jpeg", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["Content-Length"] == str(len(full.body))
    max_age = int(full.headers["Cache-Control"].split("max-age=")[1])
    assert 0 < max_age <= (datetime(2026, 5, 12, tzinfo=UTC) - NOW).total_seconds()


def test_percent_encoded_commas_name_the_same_transform_and_head_of_an_error_has_no_body(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, _, _, base = world
    assert get(service, f"{base}/w_300%2Cf_jpeg").body == get(service, f"{base}/w_300,f_jpeg").body
    refused = get(service, f"{base}/w_99999", method="HEAD")
    assert refused.status == 400 and refused.body == b"" and refused.headers["Cache-Control"] == "no-store"


def test_forged_expired_and_invalid_urls_are_refused_before_anything_is_read(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, jobs, _, base = world
    expires, signature = base.split("/")[2:]
    assert error_code(get(service, f"/job2/{expires}/{signature}/w_100")) == "SIGNATURE_INVALID"
    old = UrlSigner("https://img.example", ("key",)).sign("job1", NOW - timedelta(days=3)).url
    expired = get(service, old.removeprefix("https://img.example") + "/w_100")
    assert expired.status == 403 and error_code(expired) == "URL_EXPIRED"
    assert jobs.reads == 0
    invalid = get(service, f"{base}/w_100,sepia_1")
    assert invalid.status == 400 and error_code(invalid) == "INVALID_TRANSFORM"


def test_a_deleted_job_is_not_found_and_its_cached_renders_are_not_served(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, jobs, store, base = world
    assert get(service, f"{base}/w_300,f_jpeg").status == 200
    jobs.items.pop("job1")
    store.delete_job_objects(original_key("alice", "job1"), "results/alice/job1/", "renders/job1/")
    gone = get(service, f"{base}/w_300,f_jpeg")
    assert gone.status == 404 and error_code(gone) == "NOT_FOUND"


def test_an_answer_too_large_for_a_response_is_a_short_lived_redirect(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    _, jobs, store, base = world
    answer = get(delivery(jobs, store, max_inline_bytes=10_000), f"{base}/w_1600,f_jpeg")
    assert answer.status == 302 and answer.body == b""
    assert answer.headers["Location"].startswith("https://results.example/renders/job1/")
    assert answer.headers["Cache-Control"] == "public, max-age=300"


def test_cors_answers_the_configured_origins_only(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    service, _, _, base = world
    allowed = get(service, f"{base}/w_100,f_jpeg", origin="https://app.example")
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert (
        "Access-Control-Allow-Origin" not in get(service, f"{base}/w_100,f_jpeg", origin="https://evil.example").headers
    )


def test_a_flood_of_renders_is_rate_limited_per_owner_but_cache_hits_and_variants_still_serve(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    _, jobs, store, base = world
    limiter = InMemoryLimiter()
    service = delivery(jobs, store, limiter, renders_per_user_minute=3)
    assert [get(service, f"{base}/w_{w},f_jpeg").status for w in (100, 101, 102)] == [200, 200, 200]
    limited = get(service, f"{base}/w_103,f_jpeg")
    assert limited.status == 429 and error_code(limited) == "RATE_LIMITED"
    assert "renders/job1/w_103,f_jpeg" not in limiter.leases, "a refused render frees its lease at once"
    assert limited.headers["Retry-After"] == "60"  # NOW is on a minute boundary
    assert get(service, f"{base}/w_100,f_jpeg").status == 200, "a cached render is not counted"
    assert get(service, f"{base}/w_256,h_256,fit_contain,f_jpeg").status == 200, "nor a stored variant"


def test_distinct_transforms_per_job_are_capped(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    _, jobs, store, base = world
    service = delivery(jobs, store, transforms_per_job=2)
    assert [get(service, f"{base}/w_{w},f_jpeg").status for w in (100, 101)] == [200, 200]
    capped = get(service, f"{base}/w_102,f_jpeg")
    assert capped.status == 429 and error_code(capped) == "QUOTA_EXCEEDED" and int(capped.headers["Retry-After"]) > 0


def test_a_render_another_request_is_making_is_awaited_not_made_again(
    world: tuple[DeliveryService, CountingJobs, InMemoryStore, str],
) -> None:
    _, jobs, store, base = world
    limiter = InMemoryLimiter()
    first = get(delivery(jobs, store, limiter), f"{base}/w_300,f_jpeg")
    key = next(k for k in store.results if k.startswith("renders/"))
    made = store.results.pop(key)  # as if the first request were still rendering, holding the lease
    limiter.leases[key] = int(NOW.timestamp()) + 10
    naps: list[float] = []

    def holder_finishes(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            store.results[key] = made

    renders = limiter.uses.copy()
    waited = get(delivery(jobs, store, limiter, sleep=holder_finishes), f"{base}/w_300,f_jpeg")
    assert waited.body == first.body and len(naps) == 3 and limiter.uses == renders, "nothing rendered twice"
