#!/usr/bin/env bash
# `make fuzz`: schemathesis against docs/openapi.json on the running stack, as signed-in users
# (a new one every 5 s: scripts/devkit/fuzz_auth.py):
# no 5xx, every response matches the schema and a documented status. Prints the summary only.
# $1 is the dev venv's python; FUZZ_EXAMPLES and FUZZ_SECONDS bound the run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=$1
api=$("$ROOT/scripts/api-url.sh" "$PY")
SCHEMATHESIS_HOOKS=devkit.fuzz_auth "$(dirname "$PY")/st" run "$ROOT/docs/openapi.json" --url "$api" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance \
  --max-examples "${FUZZ_EXAMPLES:-15}" --max-time "${FUZZ_SECONDS:-60}" --seed 20261129 -w 2 --no-color 2>&1 \
  | sed -n '/^=* SUMMARY/,$p;/FAILURES/,/WARNINGS/p'
exit "${PIPESTATUS[0]}"
