#!/usr/bin/env python3
"""Writes the OpenAPI document Powertools generates from the api handler (`make openapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from photopipe.handlers.api import openapi_json

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def render() -> str:
    return json.dumps(json.loads(openapi_json()), indent=2, sort_keys=True) + "\n"


def main() -> int:
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(render())
    print(f"wrote {DOCUMENT.relative_to(Path.cwd()) if DOCUMENT.is_relative_to(Path.cwd()) else DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
