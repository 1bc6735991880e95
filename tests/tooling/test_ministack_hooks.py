"""The MiniStack hooks (scripts/ministack_hooks) with fakes: a ceiling of warm processes per
function that queues calls, and layers unpacked once per version. The patch points are checked
against the pinned MiniStack in tests/integration/test_ministack_hooks.py."""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from ministack_hooks import EMPTY_ZIP, layer_cache, within_ceiling


class Pool:
    """MiniStack's acquire_worker/release_worker rules for one function: reuse a free worker,
    else start one unless `max_concurrency` are there (then "func_cap")."""

    def __init__(self) -> None:
        self.workers: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def acquire(
        self,
        func_name: str,
        config: dict[str, Any],
        code_zip: bytes,
        qualifier: str = "$LATEST",
        max_concurrency: int | None = None,
    ) -> tuple[Any, str]:
        with self.lock:
            for worker in self.workers:
                if not worker["in_use"]:
                    worker["in_use"] = True
                    return worker, "reused"
            if max_concurrency and len(self.workers) >= max_concurrency:
                return None, "func_cap"
            worker = {"in_use": True}
            self.workers.append(worker)
            return worker, "spawn"

    def release(self, worker: Any) -> None:
        with self.lock:
            worker["in_use"] = False


def test_calls_past_the_ceiling_wait_for_a_warm_process_instead_of_starting_one() -> None:
    pool = Pool()
    acquire, release = within_ceiling(pool.acquire, pool.release, processes=2)
    reasons: list[str] = []

    def call() -> None:
        worker, reason = acquire("photopipe-api", {"Timeout": 10}, b"")
        assert worker is not None, reason
        reasons.append(reason)
        time.sleep(0.02)  # the invocation itself: the thing the others queue behind
        release(worker)

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(pool.workers) == 2 and sorted(set(reasons)) == ["reused", "spawn"] and len(reasons) == 12


def test_a_call_that_waits_past_the_function_timeout_is_throttled_as_before() -> None:
    pool = Pool()
    acquire, _ = within_ceiling(pool.acquire, pool.release, processes=1)
    held, _ = acquire("photopipe-api", {"Timeout": 1}, b"")
    started = time.monotonic()
    assert acquire("photopipe-api", {"Timeout": 0.2}, b"") == (None, "func_cap")
    assert time.monotonic() - started >= 0.2
    assert held is not None


def layer_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python/layered/__init__.py", "VALUE = 1\n")
    return path


def test_a_layer_version_is_unpacked_once_and_each_process_links_to_it(tmp_path: Path) -> None:
    layer = layer_zip(tmp_path / "layer.zip").read_bytes()
    resolved: list[Any] = []
    written: list[int] = []

    def resolve_from_state(ref: Any) -> bytes:
        resolved.append(ref)
        return layer

    def spawn(process: str) -> Path:
        """What Worker._spawn does with each layer: resolve it, write it, unpack it into layer_<n>."""
        folder = tmp_path / f"ministack-lambda-{process}"
        target = folder / "layer_0"
        target.mkdir(parents=True)
        data = resolve({"Arn": arn, "CodeSize": 10})
        (folder / "layer_0.zip").write_bytes(data)
        written.append(len(data))
        with zipfile_module.ZipFile(str(folder / "layer_0.zip")) as opened:
            opened.extractall(str(target))
        return target

    resolve, zipfile_module, spawning = layer_cache(str(tmp_path / "cache"), resolve_from_state, spawn)
    arn = "arn:aws:lambda:us-east-1:000000000000:layer:photopipe-deps:3"
    targets = [spawning(process) for process in ("a", "b")]  # two processes with the same layer
    assert all(t.is_symlink() for t in targets) and targets[0].resolve() == targets[1].resolve()
    assert (targets[1] / "python" / "layered" / "__init__.py").read_text() == "VALUE = 1\n"
    assert len(list((tmp_path / "cache").iterdir())) == 1
    # The second spawn wrote an empty archive, not the layer's bytes.
    assert written == [len(layer), len(EMPTY_ZIP)] and len(resolved) == 1
    # Outside a spawn (MiniStack's size checks) the layer's own bytes are returned, always.
    assert resolve({"Arn": arn, "CodeSize": 10}) == layer
    archive = tmp_path / "layer.zip"
    # The code zip (not a layer folder) is unpacked as MiniStack does it.
    code = tmp_path / "ministack-lambda-a" / "code"
    with zipfile_module.ZipFile(str(archive)) as opened:
        opened.extractall(str(code))
    assert not code.is_symlink() and (code / "python" / "layered" / "__init__.py").exists()
