"""Answers a delivery URL: checks its signature, then serves the rendition it names.

A request is `/{jobId}/{expires}/{signature}[/{transform}]`. A cached render is one S3 GET; a
transform that names a stored variant is that variant's bytes; anything else is rendered once,
from the smallest stored variant that covers it (the original only when none does), through
the same pipeline, budget and guards as the worker, and cached.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote

from PIL import Image

from photopipe.clock import utc_now
from photopipe.delivery import transforms
from photopipe.delivery.ports import DeliveryStore, JobReader, StoredObject, render_key
from photopipe.delivery.signing import UrlSigner
from photopipe.delivery.transforms import Transform
from photopipe.errors import ErrorCode, LimitExceeded, PhotopipeError
from photopipe.images import pipeline
from photopipe.images.edits import Edit
from photopipe.images.rendering import MemoryBudget, RenderLimits, RenderRequest
from photopipe.images.variants import SRGB_COLOR_SPACE, VariantSpec
from photopipe.jobs.model import Job, JobStatus, Output, original_key
from photopipe.jobs.ports import Limiter

# A redirect's own lifetime: well inside the role credentials that sign the presigned URL.
REDIRECT_MAX_AGE_SECONDS = 300
# One request renders a given transform at a time; the others wait this long for its result
# before rendering it themselves (so the same render is made once, at worst twice).
RENDER_LEASE_SECONDS = 10
LEASE_POLL_SECONDS = 0.1
MAX_AGE_CEILING_SECONDS = 31_536_000


@dataclass(frozen=True)
class DeliveryRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class DeliveryLimits:
    max_side: int = 4096  # a transform's largest side, and what no transform renders past
    max_inline_bytes: int = 4_000_000  # a Lambda response is 6 MB; base64 makes it 4/3 larger
    max_original_bytes: int = 200 * 1024 * 1024
    cors_allowed_origins: tuple[str, ...] = ()
    renders_per_user_minute: int = 300  # renders (not cache hits) one owner's URLs may cause
    transforms_per_job: int = 100  # distinct renders of one job per window below
    transforms_window_seconds: int = 30 * 86_400  # the render cache's lifetime


class _NoProvider:
    """Renders analyse nothing and apply no edits: the job's analysis is already stored."""

    name = "none"
    preview_side = pipeline.PLACEHOLDER_PREVIEW_SIDE

    def analyse(self, image: Image.Image) -> dict[str, object]:
        return {}

    def edit(self, image: Image.Image, edit: Edit) -> Image.Image:
        raise AssertionError("a delivery render applies no edits")


class DeliveryService:
    def __init__(
        self,
        signer: UrlSigner,
        jobs: JobReader,
        store: DeliveryStore,
        memory: MemoryBudget,
        render_limits: RenderLimits,
        limits: DeliveryLimits,
        limiter: Limiter,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._signer = signer
        self._jobs = jobs
        self._store = store
        self._limiter = limiter
        self._sleep = sleep
        self._memory = memory
        self._render_limits = render_limits
        self._limits = limits
        self._clock = clock

    def handle(self, request: DeliveryRequest) -> Answer:
        cors = self._cors(request.header("origin"))
        if request.method == "OPTIONS":
            return Answer(204, {**cors, "Access-Control-Allow-Methods": "GET, HEAD", "Access-Control-Max-Age": "600"})
        if request.method not in ("GET", "HEAD"):
            return _error(PhotopipeError(ErrorCode.INVALID_REQUEST, "Delivery URLs answer GET and HEAD."), 405, cors)
        try:
            answer = self._serve(request)
        except PhotopipeError as error:
            answer = _error(error, error.http_status if error.http_status < 500 else 400, cors)
        answer.headers.update(cors)
        if request.method == "HEAD":
            return Answer(answer.status, answer.headers)
        return answer

    def _serve(self, request: DeliveryRequest) -> Answer:
        segments = request.path.strip("/").split("/")
        if len(segments) not in (3, 4):
            raise PhotopipeError(ErrorCode.NOT_FOUND, "No such delivery URL.")
        job_id, expires, signature = segments[:3]
        expiry = self._signer.verify(job_id, expires, signature, self._clock())
        # A client may percent-encode the commas (%2C): the transform is read decoded.
        transform = transforms.parse(unquote(segments[3]) if len(segments) == 4 else "", self._limits.max_side)
        accept = request.header("accept")
        key = render_key(job_id, transform.canonical)
        if transform.format == "auto":
            key += f"~{transforms.accept_class(accept)}"
        remaining = expiry - self._now()
        stored = self._store.get_render(key)
        if stored is None:
            job = self._jobs.get(job_id)
            if job is None or job.status is not JobStatus.COMPLETED:
                raise PhotopipeError(ErrorCode.NOT_FOUND, f"Job {job_id} not found, or has no finished image.")
            stored, key = self._from_job(job, transform, accept, key)
        return self._answer(request, stored, key, transform, remaining)

    def _from_job(self, job: Job, transform: Transform, accept: str, key: str) -> tuple[StoredObject, str]:
        has_alpha = bool((job.analysis or {}).get("hasAlpha"))
        output_format = transforms.resolve_format(transform, accept, has_alpha)
        exact = _stored_variant(job, transform, output_format)
        if exact is not None:
            return self._store.get_result(exact), exact
        holding = self._limiter.lease(key, RENDER_LEASE_SECONDS, self._now())
        if not holding:
            rendered_meanwhile = self._wait_for_render(key)
            if rendered_meanwhile is not None:
                return rendered_meanwhile, key
        try:
            self._admit(job)
            stored = self._render(job, transform, output_format, has_alpha, key)
        except BaseException:
            if holding:  # a success needs no release: waiters find the render, later requests the cache
                self._limiter.release(key)
            raise
        if self._jobs.get(job.job_id) is None:
            # Deleted while this rendered: the job's deletion has already emptied its prefix.
            self._store.delete_renders(job.job_id)
            raise PhotopipeError(ErrorCode.NOT_FOUND, f"Job {job.job_id} not found.")
        return stored, key

    def _render(self, job: Job, transform: Transform, output_format: str, has_alpha: bool, key: str) -> StoredObject:
        data, content_type, size = self._source(job, transform, output_format, has_alpha)
        spec = transforms.render_spec(transform, size, output_format, self._limits.max_side)
        faces = pipeline.face_boxes(job.analysis or {})
        request = RenderRequest(variants=[spec], analysis=False, faces=faces)
        rendered = pipeline.render(data, content_type, request, _NoProvider(), self._memory, self._render_limits)
        rendition = rendered.renditions[0]
        return self._store.put_render(key, rendition.body, rendition.content_type)

    def _wait_for_render(self, key: str) -> StoredObject | None:
        """Another request holds the render's lease: its result, once stored, or None after the
        lease's time (the holder died or is slow: this request renders it too)."""
        for _ in range(int(RENDER_LEASE_SECONDS / LEASE_POLL_SECONDS)):
            self._sleep(LEASE_POLL_SECONDS)
            stored = self._store.get_render(key)
            if stored is not None:
                return stored
        return None

    def _admit(self, job: Job) -> None:
        """A render counts against its owner's rate and its job's distinct transforms; cache hits
        and stored variants never reach here."""
        now, limits = self._now(), self._limits
        wait = self._limiter.take(f"renders#{job.user_id}", limits.renders_per_user_minute, 60, now)
        if wait:
            raise LimitExceeded(
                ErrorCode.RATE_LIMITED,
                f"This photo's owner has had {limits.renders_per_user_minute} renders this minute; "
                "cached renditions are still served.",
                wait,
            )
        wait = self._limiter.take(
            f"transforms#{job.job_id}", limits.transforms_per_job, limits.transforms_window_seconds, now
        )
        if wait:
            raise LimitExceeded(
                ErrorCode.QUOTA_EXCEEDED,
                f"Job {job.job_id} has {limits.transforms_per_job} distinct renditions already; "
                "ask for one of those, or a stored variant.",
                wait,
            )

    def _now(self) -> int:
        return int(self._clock().timestamp())

    def _source(
        self, job: Job, transform: Transform, output_format: str, has_alpha: bool
    ) -> tuple[bytes, str | None, tuple[int, int]]:
        """The smallest stored variant that covers the render, else the original; and the size
        of the image the transform is measured against (the original's, or for a job made with
        edits, its largest full-frame variant's: those are the edited image)."""
        keeps_alpha = has_alpha and output_format in transforms.ALPHA_FORMATS
        full_frame = [
            (output, spec)
            for output, spec in _variants(job)
            if spec.box is None
            and spec.color_space == SRGB_COLOR_SPACE
            and (not keeps_alpha or output.content_type != "image/jpeg")
        ]
        edited = bool(job.operations.edits)
        analysis = job.analysis or {}
        if edited or not isinstance(analysis.get("width"), int):
            if not full_frame:
                raise PhotopipeError(ErrorCode.NOT_FOUND, f"Job {job.job_id} has no stored image to render from.")
            largest = max(full_frame, key=lambda pair: pair[0].width * pair[0].height)[0]
            size = (largest.width, largest.height)
        else:
            size = (int(analysis["width"]), int(analysis["height"]))
        max_side = self._limits.max_side
        wanted = transforms.render_spec(transform, size, output_format, max_side)
        by_size = sorted(full_frame, key=lambda pair: pair[0].width * pair[0].height)
        for output, _ in by_size:
            made = transforms.render_spec(
                transform, (output.width, output.height), output_format, self._limits.max_side
            )
            if (made.width, made.height) == (wanted.width, wanted.height):
                variant = self._store.get_result(output.key)
                return variant.body, variant.content_type, size
        if edited:
            # The original is not the edited image: the largest variant is the most there is.
            variant = self._store.get_result(by_size[-1][0].key)
            return variant.body, variant.content_type, size
        data = self._store.read_original(original_key(job.user_id, job.job_id), self._limits.max_original_bytes)
        return data, job.content_type, size

    def _answer(
        self, request: DeliveryRequest, stored: StoredObject, key: str, transform: Transform, remaining: int
    ) -> Answer:
        headers = {
            "Content-Type": stored.content_type,
            "ETag": stored.etag,
            "Cache-Control": f"public, max-age={max(0, min(remaining, MAX_AGE_CEILING_SECONDS))}",
        }
        if transform.format == "auto":
            headers["Vary"] = "Accept"
        if stored.etag in _etags(request.header("if-none-match")):
            return Answer(304, headers)
        if len(stored.body) > self._limits.max_inline_bytes:
            ttl = min(remaining, REDIRECT_MAX_AGE_SECONDS)
            return Answer(
                302,
                {
                    **headers,
                    "Location": self._store.presign_download(key, ttl + 60),
                    "Cache-Control": f"public, max-age={max(0, ttl)}",
                    "Content-Length": "0",
                },
            )
        return Answer(200, {**headers, "Content-Length": str(len(stored.body))}, stored.body)

    def _cors(self, origin: str) -> dict[str, str]:
        allowed = self._limits.cors_allowed_origins
        if "*" in allowed:
            return {"Access-Control-Allow-Origin": "*"}
        if origin and any(_origin_matches(pattern, origin) for pattern in allowed):
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}


def _stored_variant(job: Job, transform: Transform, output_format: str) -> str | None:
    """The key of the stored variant this transform names exactly, if one does."""
    wanted = Transform(
        transform.width, transform.height, transform.fit, transform.focus, output_format, transform.quality
    )
    # An sRGB variant first: where a "source" variant has the same transform, the URL serves
    # the sRGB one, which every viewer shows right.
    for output, spec in sorted(_variants(job), key=lambda pair: pair[1].color_space != SRGB_COLOR_SPACE):
        if transforms.of_variant(spec) == wanted:
            return output.key
    return None


def _etags(header: str) -> set[str]:
    """The tags an If-None-Match names (weak comparison, as RFC 9110 has it for this header)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _origin_matches(pattern: str, origin: str) -> bool:
    if "*" not in pattern:
        return pattern == origin
    head, _, tail = pattern.partition("*")
    return origin.startswith(head) and origin.endswith(tail) and len(origin) > len(head) + len(tail) - 1


def _error(error: PhotopipeError, status: int, cors: dict[str, str]) -> Answer:
    body = json.dumps({"error": {"code": error.code.value, "message": error.message}}).encode()
    headers = {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        "Content-Length": str(len(body)),
        **cors,
    }
    if isinstance(error, LimitExceeded):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return Answer(status, headers, body)


def _variants(job: Job) -> list[tuple[Output, VariantSpec]]:
    """Each stored output with the variant spec it was made from."""
    specs = {spec.name: spec for spec in job.operations.variants}
    return [(output, specs[output.name]) for output in job.outputs if output.name in specs]
