"""Every `sh` and `python` example of the README and the docs site runs against the stack.

The examples are read from the pages (tests/support/docs_examples.py), never copied here, so a
page cannot drift from what works. They run from the repository's root, as a reader would type
them, against the stack the suite was given (make exports its STACK and PORT to them).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.docs_examples import PAGES, ROOT, script

RUNNABLE_PAGES = [page for page in PAGES if script(page.read_text(), sys.executable)]


@pytest.mark.parametrize("page", RUNNABLE_PAGES, ids=[p.name for p in RUNNABLE_PAGES])
def test_the_pages_examples_run(page: Path) -> None:
    (ROOT / "build").mkdir(exist_ok=True)
    done = subprocess.run(  # noqa: S603 - the page's own examples, run as a reader would
        [shutil.which("bash") or "/bin/bash", "-e", "-o", "pipefail", "-c", script(page.read_text(), sys.executable)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert done.returncode == 0, (
        f"an example of {page.relative_to(ROOT)} failed (exit {done.returncode}); the last block it started "
        f"and what it printed:\n{done.stderr[-3000:]}\n--- stdout ---\n{done.stdout[-2000:]}"
    )
