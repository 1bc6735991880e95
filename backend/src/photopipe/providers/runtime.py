"""Model files from installed wheels, and ONNX Runtime sessions built once per process.

A model package is found with importlib and never imported: its own Python code may need what
the layer leaves out (TensorFlow, OpenCV, pkg_resources). A missing model is a DeploymentFault
(the layer lacks it), never a failed photo. onnxruntime is imported with the first session: the
sweeper builds the worker's processing service without the worker's layer, and never analyses.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

from photopipe.errors import DeploymentFault


def packaged_file(package: str, relative: str, wheel: str) -> Path:
    """A data file inside an installed package, which `wheel` (its PyPI name) provides."""
    spec = importlib.util.find_spec(package)
    locations = spec.submodule_search_locations if spec else None
    if not locations:
        raise DeploymentFault(f"the model package {wheel} is not installed")
    path = Path(next(iter(locations))) / relative
    if not path.is_file():
        raise DeploymentFault(f"the model {path.name} from {wheel} is missing from the deployment")
    return path


class OnnxModel:
    """One InferenceSession per process, built on first use and shared by every thread
    (ONNX Runtime's run() is thread-safe).

    One intra-op thread: the worker already analyses WORKER_CONCURRENCY records at once, which
    keeps the function's cores busy; more threads per session would only contend for them.
    """

    def __init__(self, package: str, relative: str, wheel: str) -> None:
        self._where = (package, relative, wheel)
        self._session: Any = None
        self._lock = threading.Lock()

    def session(self) -> Any:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    import onnxruntime  # loaded with the first photo

                    options = onnxruntime.SessionOptions()
                    options.intra_op_num_threads = 1
                    options.inter_op_num_threads = 1
                    options.log_severity_level = 3  # errors only: its warnings are not ours to act on
                    self._session = onnxruntime.InferenceSession(
                        str(packaged_file(*self._where)), options, providers=["CPUExecutionProvider"]
                    )
        return self._session

    def run(self, tensor: Any) -> Any:
        """The first output for one input tensor."""
        session = self.session()
        return session.run(None, {session.get_inputs()[0].name: tensor})[0]
