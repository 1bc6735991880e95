"""Layers a clone built are kept for the next clone on the machine, by what went into them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devkit import build_lambdas


def test_a_layer_built_once_is_copied_by_the_next_clone_and_rebuilt_when_its_pins_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installs: list[list[str]] = []

    def pip_install(command: list[str], **_: Any) -> None:  # pip, as the build calls it
        installs.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "pinned").mkdir(parents=True)
        (target / "pinned" / "data.txt").write_text(Path(command[command.index("-r") + 1]).read_text())

    monkeypatch.setattr(build_lambdas, "LAYER_CACHE", tmp_path / "cache")
    monkeypatch.setattr(build_lambdas.subprocess, "run", pip_install)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pinned==1.0\n")
    first, second = tmp_path / "clone-1", tmp_path / "clone-2"
    for out in (first, second):
        out.mkdir()
        build_lambdas.build_layer(out, "x86_64", "ondevice-models", requirements)
    assert len(installs) == 1, "the second clone copied the layer"
    zips = [(out / "ondevice-models-x86_64.zip").read_bytes() for out in (first, second)]
    assert zips[0] == zips[1]
    requirements.write_text("pinned==2.0\n")
    build_lambdas.build_layer(second, "x86_64", "ondevice-models", requirements)
    assert len(installs) == 2, "new pins: built again"
