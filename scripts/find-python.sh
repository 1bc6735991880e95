#!/usr/bin/env bash
# Prints the path of a working Python 3.12 interpreter: $PYTHON312, python3.12 on PATH, or
# pyenv's (a pyenv shim on PATH may exist without a 3.12 selected, so each candidate is run).
set -euo pipefail
works() { "$1" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; }
if [ -n "${PYTHON312:-}" ]; then
  works "$PYTHON312" && { echo "$PYTHON312"; exit 0; }
  echo "error: PYTHON312=$PYTHON312 is not a working Python 3.12" >&2; exit 1
fi
if p=$(command -v python3.12 2>/dev/null) && works "$p"; then echo "$p"; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -rV); do
    if p=$(PYENV_VERSION="$v" pyenv which python3.12 2>/dev/null) && works "$p"; then echo "$p"; exit 0; fi
  done
fi
echo "error: Python 3.12 not found. Install it (e.g. 'pyenv install 3.12') or set PYTHON312=/path/to/python3.12." >&2
exit 1
