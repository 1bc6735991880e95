"""MiniStack with two hooks for a laptop's Lambda: layers unpacked once, and a ceiling of warm
processes per function that queues calls instead of starting a process for each.

MiniStack (1.5.33) starts one Python process per concurrent invocation and unpacks the code and
every layer into a fresh folder for each (about 1 s for the api's 49 MB layer, 2 s for the
worker's four on 2 cores), so 30 API calls right after a deploy started 30 processes at once
and took 36 s. AWS starts environments in parallel on other machines; here they share two
cores, so fewer processes, reused as soon as they are free, answer the burst sooner.

The hooks replace names MiniStack looks up at call time (its patch points, each checked by
`check()` before anything is replaced, so an upstream release that moves one fails the
emulator's start, loudly, with the name):

- `ministack.services.lambda_svc.acquire_worker` / `release_worker`: at most
  PHOTOPIPE_PROCESSES_PER_FUNCTION warm processes per function (default 4: as many as the
  local stack's queue consumers run batches at once); a call past it waits for one to be
  released (up to the function's timeout) instead of being throttled.
- `ministack.services.lambda_svc._resolve_layer_zip`, `ministack.core.lambda_runtime.zipfile` and
  `ministack.core.lambda_runtime.Worker._spawn`: a layer version (its ARN, immutable once
  published) is unpacked once into PHOTOPIPE_LAYER_CACHE, and each process's layer folder
  becomes a link to it; later spawns are handed an empty archive in place of the layer's bytes.

MiniStack's own settings and behaviour are otherwise untouched; nothing here runs on AWS.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import re
import shutil
import threading
import time
import types
import zipfile
from typing import Any

PATCH_POINTS = (
    "ministack.services.lambda_svc.acquire_worker",
    "ministack.services.lambda_svc.release_worker",
    "ministack.services.lambda_svc._resolve_layer_zip",
    "ministack.core.lambda_runtime.zipfile",
    "ministack.core.lambda_runtime.Worker._spawn",
)
# What Worker._spawn must still do for the layer hook to apply: resolve each layer, then
# unpack it with zipfile into a folder named layer_<n>.
_SPAWN_SHAPE = ("_resolve_layer_zip(layer_ref)", 'f"layer_{len(layers_dirs)}"', "lzf.extractall(layer_dir)")
_LAYER_DIR = re.compile(r"layer_\d+")


class PatchPointMoved(RuntimeError):
    """An upstream release changed what a hook relies on."""


def check() -> None:
    """Raises PatchPointMoved naming each patch point this MiniStack no longer has."""
    moved = [point for point in PATCH_POINTS if _resolve(point) is None]
    spawn = _resolve("ministack.core.lambda_runtime.Worker._spawn")
    if spawn is not None:
        source = inspect.getsource(spawn)
        moved += [f"Worker._spawn no longer contains {shape!r}" for shape in _SPAWN_SHAPE if shape not in source]
    acquire = _resolve("ministack.services.lambda_svc.acquire_worker")
    if acquire is not None and "max_concurrency" not in inspect.signature(acquire).parameters:
        moved.append("acquire_worker(max_concurrency=) is gone")
    if moved:
        raise PatchPointMoved("MiniStack's patch points moved: " + "; ".join(moved))


def _resolve(point: str) -> Any:
    """The object a dotted name names (a module, then attributes of it); None where it is gone."""
    module_name, attributes = point, []
    while module_name:
        try:
            found: Any = importlib.import_module(module_name)
        except ImportError:
            module_name, _, last = module_name.rpartition(".")
            attributes.insert(0, last)
            continue
        for attribute in attributes:
            found = getattr(found, attribute, None)
        return found
    return None


def install() -> None:
    """Checks the patch points, then replaces them (in the emulator's process, before it starts)."""
    check()
    from ministack.core import lambda_runtime
    from ministack.services import lambda_svc

    processes = int(os.environ.get("PHOTOPIPE_PROCESSES_PER_FUNCTION", "4"))
    lambda_svc.acquire_worker, lambda_svc.release_worker = within_ceiling(
        lambda_svc.acquire_worker, lambda_svc.release_worker, processes
    )
    cache = os.environ.get("PHOTOPIPE_LAYER_CACHE")
    if cache:
        lambda_svc._resolve_layer_zip, lambda_runtime.zipfile, lambda_runtime.Worker._spawn = layer_cache(
            cache, lambda_svc._resolve_layer_zip, lambda_runtime.Worker._spawn
        )


def within_ceiling(acquire: Any, release: Any, processes: int) -> tuple[Any, Any]:
    """acquire_worker and release_worker with at most `processes` warm processes per function:
    past it a call waits for a release (up to the function's timeout) rather than being throttled."""
    released = threading.Condition()

    def acquire_within_ceiling(
        func_name: str,
        config: dict[str, Any],
        code_zip: bytes,
        qualifier: str = "$LATEST",
        max_concurrency: int | None = None,
    ) -> tuple[Any, str]:
        ceiling = min(processes, max_concurrency) if max_concurrency else processes
        deadline = time.monotonic() + float(config.get("Timeout", 30))
        while True:
            worker, reason = acquire(func_name, config, code_zip, qualifier=qualifier, max_concurrency=ceiling)
            if worker is not None or time.monotonic() >= deadline:
                return worker, reason
            with released:
                released.wait(0.05)  # woken by a release; the timeout covers a process reaped instead

    def release_and_notify(worker: Any) -> None:
        release(worker)
        with released:
            released.notify_all()

    return acquire_within_ceiling, release_and_notify


# An archive with nothing in it: what a spawn writes and checks for a layer version unpacked already.
EMPTY_ZIP = b"PK\x05\x06" + bytes(18)


def layer_cache(cache: str, resolve: Any, spawn: Any) -> tuple[Any, types.ModuleType, Any]:
    """_resolve_layer_zip that remembers which layer version a spawn is unpacking, a zipfile
    module whose extractall into a layer_<n> folder unpacks that version once into `cache` and
    links the folder to it, and Worker._spawn marking its thread as spawning: a spawn then gets
    an empty archive for a version unpacked already, so it does not write the layer's bytes
    (110 MB for the worker's four) to its folder and check each of its paths before linking."""
    current = threading.local()
    unpacking = threading.Lock()
    os.makedirs(cache, exist_ok=True)

    def unpacked_path(arn: str) -> str:
        return os.path.join(cache, hashlib.sha256(arn.encode()).hexdigest()[:32])

    def resolve_and_remember(attachment: Any) -> Any:
        current.arn = attachment if isinstance(attachment, str) else (attachment or {}).get("Arn", "")
        if current.arn and getattr(current, "spawning", False) and os.path.isdir(unpacked_path(current.arn)):
            return EMPTY_ZIP
        return resolve(attachment)  # a first spawn, and MiniStack's other callers (its size checks)

    def spawn_linking_layers(worker: Any, *args: Any, **kwargs: Any) -> Any:
        current.spawning = True
        try:
            return spawn(worker, *args, **kwargs)
        finally:
            current.spawning = False

    class LayerCachingZipFile(zipfile.ZipFile):
        def extractall(self, path: Any = None, members: Any = None, pwd: Any = None) -> None:
            arn = getattr(current, "arn", "")
            target = os.fspath(path) if path is not None else ""
            if not arn or members is not None or not _LAYER_DIR.fullmatch(os.path.basename(target)):
                super().extractall(path, members, pwd)
                return
            current.arn = ""
            unpacked = unpacked_path(arn)
            with unpacking:  # one spawn unpacks a layer version; the others wait, then link
                if not os.path.isdir(unpacked):
                    partial = f"{unpacked}.partial"
                    shutil.rmtree(partial, ignore_errors=True)
                    super().extractall(partial, None, pwd)
                    os.rename(partial, unpacked)
            os.rmdir(target)  # the empty folder the spawn made for it
            os.symlink(unpacked, target)

    module = types.ModuleType("zipfile")
    module.__dict__.update(zipfile.__dict__)
    module.ZipFile = LayerCachingZipFile  # type: ignore[attr-defined]
    return resolve_and_remember, module, spawn_linking_layers
