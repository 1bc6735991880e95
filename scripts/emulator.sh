#!/usr/bin/env bash
# Emulator control: up | down | status | logs.
#   EMULATOR   ministack (default) | localstack
#   PORT       gateway port on 127.0.0.1 (default 4566)
#   STACK_DIR  folder for this stack's pid file, log and persistent state
# MiniStack runs from its own Python 3.12 venv holding only MiniStack: it executes Lambda code
# with its own interpreter, so anything else in that venv would leak into the functions.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EMULATOR=${EMULATOR:-ministack}
PORT=${PORT:-4566}
STACK_DIR=${STACK_DIR:-$ROOT/.photopipe/stacks/dev}
MINISTACK_VERSION=${MINISTACK_VERSION:-1.5.33}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-60}
VENV=$ROOT/.photopipe/venvs/ministack-$MINISTACK_VERSION
PID_FILE=$STACK_DIR/emulator.pid
LOG_FILE=$STACK_DIR/emulator.log
HEALTH_URL=http://127.0.0.1:$PORT/_localstack/health

die() { echo "error: $*" >&2; exit 1; }
say() { echo "[emulator] $*"; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
healthy() { curl -fsS -m 2 "$HEALTH_URL" >/dev/null 2>&1; }
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid; pid=$(cat "$PID_FILE")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

wait_healthy() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT))
  until healthy; do
    if [ -n "${1:-}" ] && ! kill -0 "$1" 2>/dev/null; then
      tail -n 20 "$LOG_FILE" >&2 || true
      die "$EMULATOR exited during start-up; full log: $LOG_FILE"
    fi
    [ $SECONDS -lt $deadline ] || die "$EMULATOR not healthy on port $PORT after ${HEALTH_TIMEOUT}s (log: $LOG_FILE)"
    sleep 0.2
  done
}

ensure_ministack_venv() {
  [ -x "$VENV/bin/ministack" ] && return 0
  say "installing ministack==$MINISTACK_VERSION into $VENV"
  local py; py=$("$ROOT/scripts/find-python312.sh")
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
  # (grep drops pip's notes about index folders this machine's pip config names but lacks)
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "ministack==$MINISTACK_VERSION" 2>&1 \
    | { grep -v 'is ignored: it is neither' || true; } || die "could not install ministack==$MINISTACK_VERSION"
}

ministack_up() {
  if pid=$(running_pid); then
    healthy && { say "ministack already running (pid $pid, port $PORT)"; return 0; }
    wait_healthy "$pid"; return 0
  fi
  port_in_use && die "port $PORT is already taken by another process; choose another with PORT=<n> (e.g. 'make up PORT=4567')"
  ensure_ministack_venv
  mkdir -p "$STACK_DIR/state/s3" "$STACK_DIR/tmp"
  # setsid: the emulator and the Lambda workers it spawns share one process group, so 'down'
  # can stop exactly what 'up' started. `exec` keeps the recorded pid the emulator's own.
  (
    cd "$STACK_DIR"
    export GATEWAY_PORT=$PORT BIND_HOST=127.0.0.1 MINISTACK_HOST=localhost \
      PERSIST_STATE=1 STATE_DIR="$STACK_DIR/state" S3_PERSIST=1 S3_DATA_DIR="$STACK_DIR/state/s3" \
      TMPDIR="$STACK_DIR/tmp" LOG_LEVEL=${EMULATOR_LOG_LEVEL:-WARNING} \
      AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
    exec setsid "$VENV/bin/ministack" >"$LOG_FILE" 2>&1 </dev/null
  ) &
  echo $! >"$PID_FILE"
  local pid; pid=$(cat "$PID_FILE")
  wait_healthy "$pid"
  say "ministack $MINISTACK_VERSION up on http://127.0.0.1:$PORT (pid $pid, state $STACK_DIR/state)"
}

ministack_down() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"; say "ministack not running"; return 0
  fi
  # SIGTERM lets MiniStack write its state to disk; its whole process group goes with it.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 -- "-$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      say "ministack did not stop within 20s; killing its process group"
      kill -KILL -- "-$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$PID_FILE"
  port_in_use && die "port $PORT still answers after stopping pid $pid"
  say "ministack stopped (pid $pid)"
}

compose() {
  docker info >/dev/null 2>&1 || die "EMULATOR=localstack needs a running Docker engine and none answers here. Use the default EMULATOR=ministack (no Docker needed)."
  LOCALSTACK_PORT=$PORT docker compose -f "$ROOT/docker-compose.yml" -p "photopipe-$(basename "$STACK_DIR")" "$@"
}

case "${1:-}" in
  up)
    mkdir -p "$STACK_DIR"
    case "$EMULATOR" in
      ministack) ministack_up ;;
      localstack) compose up -d; wait_healthy; say "localstack up on http://127.0.0.1:$PORT" ;;
      *) die "unknown EMULATOR=$EMULATOR (ministack | localstack)" ;;
    esac ;;
  down)
    case "$EMULATOR" in
      ministack) ministack_down ;;
      localstack) compose down ;;
      *) die "unknown EMULATOR=$EMULATOR" ;;
    esac ;;
  status)
    if healthy; then say "$EMULATOR healthy on port $PORT"; else say "$EMULATOR not answering on port $PORT"; exit 1; fi ;;
  logs)
    case "$EMULATOR" in
      ministack) [ -f "$LOG_FILE" ] || die "no log at $LOG_FILE"; tail -n 200 -F "$LOG_FILE" ;;
      localstack) compose logs -f ;;
    esac ;;
  *) echo "usage: $0 up|down|status|logs" >&2; exit 2 ;;
esac
