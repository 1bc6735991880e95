"""What the delivery service needs from storage and the jobs table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from photopipe.jobs.model import Job, renders_prefix


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    content_type: str
    etag: str  # S3's, quoted: strong, and the same for the same bytes


class JobReader(Protocol):
    def get(self, job_id: str) -> Job | None: ...


class DeliveryStore(Protocol):
    def get_render(self, key: str) -> StoredObject | None: ...

    def put_render(self, key: str, body: bytes, content_type: str) -> StoredObject: ...

    def delete_renders(self, job_id: str) -> None: ...

    def get_result(self, key: str) -> StoredObject: ...

    def read_original(self, key: str, max_bytes: int) -> bytes: ...

    def presign_download(self, key: str, ttl_seconds: int) -> str:
        """A URL for a render or a result (keys under renders/ or results/), for an answer too
        large to carry in a function's response."""
        ...


def render_key(job_id: str, canonical: str) -> str:
    return renders_prefix(job_id) + canonical
