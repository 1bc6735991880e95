"""The runnable examples of the docs: every `sh` and `python` block of a page, in page order.

A page is one script: its shell blocks run in one bash session, so a later block sees what an
earlier one set (as a reader who types them in order would), and each Python block runs with
the dev venv's interpreter inside that session, seeing the variables the shell exported. A
block preceded by an HTML comment `<!-- norun: why -->` is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(?P<lang>[A-Za-z]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_NORUN = re.compile(r"<!--\s*norun\b[^>]*-->\s*$")
RUNNABLE = {"sh": "sh", "bash": "sh", "shell": "sh", "python": "python", "py": "python"}


@dataclass(frozen=True)
class Block:
    language: str  # "sh" or "python"
    code: str
    line: int  # where the block starts in its page, for failure messages


def blocks(markdown: str) -> list[Block]:
    found = []
    for match in _FENCE.finditer(markdown):
        language = RUNNABLE.get(match["lang"].lower())
        before = markdown[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if language and not _NORUN.search(before):
            found.append(Block(language, match["body"], markdown.count("\n", 0, match.start()) + 1))
    return found


def script(markdown: str, python: str) -> str:
    """One bash script running the page's blocks in order ("" when it has none)."""
    parts = []
    for block in blocks(markdown):
        parts.append(f"echo '--- block at line {block.line} ({block.language})' >&2")
        if block.language == "sh":
            parts.append(block.code)
        else:
            parts.append(f"{python} - <<'__PHOTOPIPE_DOCS_PY__'\n{block.code}__PHOTOPIPE_DOCS_PY__")
    return "\n".join(parts) + "\n" if parts else ""
