#!/usr/bin/env bash
# Prints the path of a working Python interpreter of one minor version (default 3.12):
# $PYTHON3XX (e.g. PYTHON312), python3.XX on PATH, or pyenv's (a pyenv shim on PATH may exist
# without that version selected, so each candidate is run).
#   scripts/find-python.sh [3.12|3.13]
set -euo pipefail
want=${1:-3.12}
var=PYTHON${want//./}
works() { "$1" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" >/dev/null 2>&1; }
if [ -n "${!var:-}" ]; then
  works "${!var}" && { echo "${!var}"; exit 0; }
  echo "error: $var=${!var} is not a working Python $want" >&2; exit 1
fi
if p=$(command -v "python$want" 2>/dev/null) && works "$p"; then echo "$p"; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}(\.[0-9]+)?\$" | sort -rV); do
    if p=$(PYENV_VERSION="$v" pyenv which "python$want" 2>/dev/null) && works "$p"; then echo "$p"; exit 0; fi
  done
fi
echo "error: Python $want not found. Install it (e.g. 'pyenv install $want') or set $var=/path/to/python$want." >&2
exit 1
