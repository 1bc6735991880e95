#!/usr/bin/env bash
# `pip install` into the venv whose interpreter is $1: with uv where it is there (that venv's
# own, the dev venv's, or on PATH), a venv in seconds instead of a minute; with pip otherwise.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
python=$1; shift
for uv in "$(dirname "$python")/uv" "$ROOT/.venv/bin/uv" "$(command -v uv || true)"; do
  if [ -n "$uv" ] && [ -x "$uv" ]; then
    exec "$ROOT/scripts/pip-quiet.sh" "$uv" pip install --python "$python" "$@"
  fi
done
exec "$ROOT/scripts/pip-quiet.sh" "$python" -m pip install --disable-pip-version-check "$@"
