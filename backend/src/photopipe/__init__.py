"""photopipe: a local-first, event-driven image pipeline for mobile apps."""

from functools import cache
from pathlib import Path


@cache
def build_id() -> str:
    """The id of the code zip this process runs: `scripts/devkit/build_lambdas.py` writes the hash of
    its sources to photopipe/BUILD. "source" when run from a checkout, which has no such file."""
    try:
        return (Path(__file__).parent / "BUILD").read_text().strip()
    except FileNotFoundError:
        return "source"
