"""Which provider makes which edit: the one table the API checks a request against (an op the
deployment's provider cannot make is a 400 at once, naming the provider) and docs/photos.md shows.

Pillow's ops are everyone's; the ops a model makes belong to the providers that have the model.
Imports nothing heavy: the api reads it.
"""

from __future__ import annotations

from photopipe.images.edits import EDIT_TYPES, MODEL_OPS

PILLOW_OPS: frozenset[str] = frozenset(str(t.__dataclass_fields__["op"].default) for t in EDIT_TYPES) - MODEL_OPS

MODEL_OPS_BY_PROVIDER: dict[str, frozenset[str]] = {
    "ondevice": frozenset({"removeBackground", "blurBackground", "redactFaces"}),  # U²-Net-p, BlazeFace
    "local": frozenset(),
    "rekognition": frozenset({"redactFaces"}),  # DetectFaces
    "http": frozenset({"ai"}),  # the endpoint makes it, and the model ops it declares (below)
}


def unsupported_ops(provider: str, ops: list[str], endpoint_ops: frozenset[str] = frozenset()) -> list[str]:
    """The ops of a request the provider cannot make, in request order, each once.
    `endpoint_ops`: the model ops the http provider's endpoint declares (EDIT_ENDPOINT_OPS)."""
    allowed = PILLOW_OPS | MODEL_OPS_BY_PROVIDER.get(provider, frozenset())
    if provider == "http":
        allowed |= endpoint_ops & MODEL_OPS
    return list(dict.fromkeys(op for op in ops if op not in allowed))
