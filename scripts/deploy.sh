#!/usr/bin/env bash
# `make deploy`: terraform apply for ENV, then the stack's outputs. Locally it is skipped when
# nothing Terraform reads has changed since the last apply (the fingerprint) and the stack answers.
# Reads ENV, ARCH, STACK_DIR, PHOTOPIPE_OUTPUTS (exported by the Makefile); $1 is the dev venv's python.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=$1
APPLIED=$STACK_DIR/applied.sha256
arch="-var=lambda_architecture=${ARCH:-x86_64}"
start=$(date +%s.%N)

if [ "$ENV" = local ] && [ -f "$APPLIED" ] && [ -f "$PHOTOPIPE_OUTPUTS" ] \
   && [ "$(cat "$APPLIED")" = "$("$ROOT/scripts/terraform.sh" fingerprint "$arch")" ] \
   && curl -fsS -m 5 -o /dev/null "$("$ROOT/scripts/api-url.sh" "$PY")/v1/health"; then
  echo "[deploy] nothing Terraform reads changed since the last apply, and the stack answers: skipped"
  exit 0
fi
rm -f "$APPLIED"
"$ROOT/scripts/terraform.sh" apply "$arch" | grep -E '^(Apply complete|No changes|Error|│)' || exit 1
"$ROOT/scripts/terraform.sh" outputs > "$PHOTOPIPE_OUTPUTS"
[ "$ENV" != local ] || "$ROOT/scripts/terraform.sh" fingerprint "$arch" > "$APPLIED"
printf '[deploy] %s applied in %.1fs; outputs in %s\n' "$ENV" "$(echo "$(date +%s.%N) - $start" | bc)" "$PHOTOPIPE_OUTPUTS"
