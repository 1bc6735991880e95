#!/usr/bin/env bash
# The API's base URL as this machine reaches it (host_api_base_url when PUBLIC_HOST names an
# address only devices reach), read from the stack's outputs. $1 is any Python interpreter.
set -euo pipefail
exec "$1" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("host_api_base_url", d["api_base_url"])["value"])' \
  "${PHOTOPIPE_OUTPUTS:?names the outputs.json of a stack; the Makefile sets it}"
