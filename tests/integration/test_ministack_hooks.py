"""The MiniStack hooks' patch points, checked against the pinned MiniStack that `make up` installed:
an upstream release that moves one fails here (and stops the emulator's start) with its name."""

from __future__ import annotations

import re
import subprocess

import pytest

from devkit.stack import ROOT


def test_the_patch_points_are_where_the_pinned_ministack_has_them() -> None:
    version = re.search(r"MINISTACK_VERSION:-([\d.]+)", (ROOT / "scripts" / "emulator.sh").read_text())
    assert version, "emulator.sh pins MiniStack's version"
    python = ROOT / ".photopipe" / "venvs" / f"ministack-{version.group(1)}" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"{python} is made by the first `make up`")
    checked = subprocess.run(  # noqa: S603 - the stack's own MiniStack venv
        [
            str(python),
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import ministack_hooks; ministack_hooks.check()",
            str(ROOT / "scripts"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
