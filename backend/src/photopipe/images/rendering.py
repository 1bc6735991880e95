"""What a render is asked and gives back, and the memory budget renders are admitted by.

The worker's own process and its render children both hold these; the worker's process renders
nothing, so this module imports no imaging library (Pillow, libvips): the worker's cold start
does not pay for them, its children do, while they wait for the first photo.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from photopipe.errors import ErrorCode, PermanentImageError

if TYPE_CHECKING:
    from photopipe.config import Settings
    from photopipe.images.edits import Edit
    from photopipe.images.variants import VariantSpec

MIB = 1024 * 1024

Span = Callable[[str], AbstractContextManager[object]]


def no_span(name: str) -> AbstractContextManager[object]:
    return nullcontext()


@dataclass(frozen=True)
class RenderRequest:
    """What to make of a photo: variants, edits applied first, and whether the provider analyses it."""

    variants: Sequence[VariantSpec]
    edits: Sequence[Mapping[str, Any] | Edit] = ()  # stored specs are parsed into typed edits here
    analysis: bool = True
    # Face boxes (ratios) already known of this image, for focus "faces" when nothing analyses it.
    faces: Sequence[Mapping[str, float]] = ()


@dataclass(frozen=True)
class RenderLimits:
    max_image_pixels: int  # what a header may declare
    max_full_decode_pixels: int  # what may be decoded, or made by an edit, at once
    expose_location: bool = False  # GPS from EXIF in the analysis
    max_output_pixels: int = 100_000_000  # every variant of one render together
    max_render_bytes: int = 384 * MIB  # one render's estimated peak


def limits_of(settings: Settings) -> RenderLimits:
    """The worker's limits, from its settings."""
    return RenderLimits(
        settings.max_image_pixels,
        settings.max_full_decode_pixels,
        settings.expose_location,
        settings.max_output_pixels,
        settings.max_render_mb * MIB,
    )


@dataclass(frozen=True)
class Rendition:
    name: str
    body: bytes
    width: int
    height: int
    content_type: str
    extension: str


@dataclass(frozen=True)
class Rendered:
    renditions: list[Rendition]
    analysis: dict[str, object]
    original_pixels: int


class MemoryBudget:
    """Bytes the records of one process may hold at once; a record waits for its share.

    A record that needs more than the whole budget can never run here: it is refused with
    MEMORY_LIMIT_EXCEEDED, a permanent failure of that job alone.
    """

    def __init__(self, total_bytes: int) -> None:
        self.total_bytes = total_bytes
        self._free = total_bytes
        self._changed = threading.Condition()

    @property
    def free_bytes(self) -> int:
        with self._changed:
            return self._free

    @contextmanager
    def reserve(self, size: int) -> Iterator[None]:
        if size > self.total_bytes:
            raise PermanentImageError(
                ErrorCode.MEMORY_LIMIT_EXCEEDED,
                f"Processing this image needs about {size // MIB} MiB, over the worker's "
                f"{self.total_bytes // MIB} MiB for one image; send a smaller image or fewer edits.",
            )
        with self._changed:
            self._changed.wait_for(lambda: self._free >= size)
            self._free -= size
        try:
            yield
        finally:
            with self._changed:
                self._free += size
                self._changed.notify_all()


def budget_for_function(memory_mb: int, baseline_mb: int = 256) -> MemoryBudget:
    """What the records of a function with memory_mb may use: all but the process's own share."""
    return MemoryBudget(max(64, memory_mb - baseline_mb) * MIB)
