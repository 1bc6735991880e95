#!/usr/bin/env bash
# Emulator control: up | down | status | logs.
#   EMULATOR        ministack (default) | localstack
#   LOCALSTACK_MODE auto (default: docker when an engine answers, else host) | docker | host
#   PORT            gateway port on 127.0.0.1 (default 4566)
#   PUBLIC_HOST     an address devices reach this machine at (a LAN address): the emulator
#                   listens there too. 10.0.2.2 (the Android emulator's name for this machine's
#                   loopback) needs nothing more than 127.0.0.1.
#   STACK_DIR       folder for this stack's pid file, log and persistent state
# MiniStack runs from its own Python 3.12 venv holding only MiniStack: it executes Lambda code
# with its own interpreter, so anything else in that venv would leak into the functions.
# LocalStack's host mode runs localstack-core from PyPI in a Python 3.13 venv, with the plugin
# from scripts/localstack-offline: each function runs as a Python 3.12 process, DynamoDB on moto.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EMULATOR=${EMULATOR:-ministack}
PORT=${PORT:-4566}
STACK_DIR=${STACK_DIR:-$ROOT/.photopipe/stacks/dev}
MINISTACK_VERSION=${MINISTACK_VERSION:-1.5.33}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-60}
LOCALSTACK_VERSION=2026.3.0
LOCALSTACK_MODE=${LOCALSTACK_MODE:-auto}
VENV=$ROOT/.photopipe/venvs/ministack-$MINISTACK_VERSION
LS_VENV=$ROOT/.photopipe/venvs/localstack-$LOCALSTACK_VERSION
LS_PLUGIN=$ROOT/scripts/localstack-offline
# An empty Python 3.12 venv: LocalStack's host-mode functions run on it, seeing only their zip
# and layers, as on Lambda.
LAMBDA_PY_VENV=$ROOT/.photopipe/venvs/lambda-python3.12
PID_FILE=$STACK_DIR/emulator.pid
LOG_FILE=$STACK_DIR/emulator.log
HEALTH_URL=http://127.0.0.1:$PORT/_localstack/health

die() { echo "error: $*" >&2; exit 1; }
say() { echo "[emulator] $*"; }

# The addresses to listen on: 127.0.0.1, and PUBLIC_HOST where it is another address of this
# machine. MiniStack listens on one address only: for two it takes every interface (0.0.0.0).
PUBLIC_HOST=${PUBLIC_HOST:-}
case "$PUBLIC_HOST" in
  ""|127.0.0.1|localhost|10.0.2.2|10.0.3.2) LISTEN=(127.0.0.1) ;;
  *) LISTEN=(127.0.0.1 "$PUBLIC_HOST") ;;
esac
ministack_bind() { [ ${#LISTEN[@]} -eq 1 ] && echo 127.0.0.1 || echo 0.0.0.0; }
BIND_FILE=$STACK_DIR/emulator.listen

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

pip_quiet() { "$ROOT/scripts/pip-quiet.sh" "$@"; }

# One install at a time per venv: `make test` installs the next emulator in the background while
# the first one's suites run, and its `up` may come before that install ends.
locked() {
  local lock=$1; shift
  mkdir -p "$(dirname "$lock")"
  ( flock 9; "$@" ) 9>"$lock" || exit $?  # a die() inside ends the script, as it did unlocked
}

ensure_ministack_venv() { locked "$VENV.lock" install_ministack_venv; }
install_ministack_venv() {
  [ -x "$VENV/bin/ministack" ] && return 0
  say "installing ministack==$MINISTACK_VERSION into $VENV"
  local py; py=$("$ROOT/scripts/find-python.sh" 3.12)
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
  "$ROOT/scripts/pip-install.sh" "$VENV/bin/python" --quiet "ministack==$MINISTACK_VERSION" \
    || die "could not install ministack==$MINISTACK_VERSION"
}

# The LocalStack venv is rebuilt when its requirements change, and the plugin reinstalled when
# its sources change; a stamp file records what was installed.
ensure_localstack_venv() { locked "$LS_VENV.lock" install_localstack_venv; }
install_localstack_venv() {
  local want have stamp=$LS_VENV/.photopipe-stamp
  want=$(cat "$LS_PLUGIN/localstack.txt" "$LS_PLUGIN/pyproject.toml" "$LS_PLUGIN"/localstack_offline/*.py | sha256sum | cut -c1-16)
  have=$(cat "$stamp" 2>/dev/null || true)
  [ "$want" = "$have" ] && return 0
  if [ ! -x "$LS_VENV/bin/python" ] || ! cmp -s "$LS_PLUGIN/localstack.txt" "$LS_VENV/.requirements"; then
    say "installing localstack-core $LOCALSTACK_VERSION (host mode) into $LS_VENV"
    local py; py=$("$ROOT/scripts/find-python.sh" 3.13) || die "LocalStack's host mode needs Python 3.13 (localstack-core $LOCALSTACK_VERSION imports on nothing older)"
    rm -rf "$LS_VENV"
    "$py" -m venv "$LS_VENV"
    pip_quiet "$LS_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$LS_PLUGIN/localstack.txt" \
      || die "could not install localstack-core (see $LS_PLUGIN/localstack.txt)"
    cp "$LS_PLUGIN/localstack.txt" "$LS_VENV/.requirements"
  fi
  say "installing the localstack-offline plugin (host-process Lambda, moto DynamoDB)"
  rm -rf "$LS_PLUGIN/build" "$LS_PLUGIN"/*.egg-info
  pip_quiet "$LS_VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$LS_PLUGIN" \
    || die "could not install $LS_PLUGIN"
  rm -rf "$LS_PLUGIN/build" "$LS_PLUGIN"/*.egg-info
  echo "$want" >"$stamp"
}

ensure_lambda_python() {
  [ -x "$LAMBDA_PY_VENV/bin/python" ] && return 0
  local py; py=$("$ROOT/scripts/find-python.sh" 3.12)
  "$py" -m venv --without-pip "$LAMBDA_PY_VENV"
}

# Starts "$@" in the background as its own process group (setsid), records its pid and waits
# for health. The caller exports the emulator's environment first. `exec` keeps the recorded
# pid the emulator's own, and the group holds every Lambda process it spawns, so 'down' stops
# exactly what 'up' started.
launch() {
  (cd "$STACK_DIR" && exec setsid "$@" >"$LOG_FILE" 2>&1 </dev/null) &
  echo $! >"$PID_FILE"
  wait_healthy "$(cat "$PID_FILE")"
}

already_up() {
  local pid
  pid=$(running_pid) || return 1
  if [ "$(cat "$BIND_FILE" 2>/dev/null || echo 127.0.0.1)" != "${LISTEN[*]}" ]; then
    say "$1 listens on $(cat "$BIND_FILE" 2>/dev/null || echo 127.0.0.1), PUBLIC_HOST asks for ${LISTEN[*]}: restarting it"
    host_down
    return 1
  fi
  healthy || wait_healthy "$pid"
  say "$1 already running (pid $pid, port $PORT)"
}

ministack_up() {
  already_up ministack && return 0
  port_in_use && die "port $PORT is already taken by another process; choose another with PORT=<n> (e.g. 'make up PORT=4567')"
  ensure_ministack_venv
  # Nothing runs in tmp while the emulator is down: each Lambda process unpacked its code there
  # and a stopped MiniStack leaves it behind. The layer cache goes too: a new state may publish
  # other layers under the same ARNs.
  rm -rf "$STACK_DIR/tmp"
  mkdir -p "$STACK_DIR/state/s3" "$STACK_DIR/tmp"
  (
    # scripts/ministack_hooks: MiniStack's main with two hooks (layers unpacked once per
    # version, a ceiling of warm processes per function that queues calls); see its docstring.
    # scripts/ goes on the emulator's own sys.path, not in the environment its functions inherit.
    export GATEWAY_PORT=$PORT BIND_HOST=$(ministack_bind) MINISTACK_HOST=localhost \
      PERSIST_STATE=1 STATE_DIR="$STACK_DIR/state" S3_PERSIST=1 S3_DATA_DIR="$STACK_DIR/state/s3" \
      TMPDIR="$STACK_DIR/tmp" LOG_LEVEL=${EMULATOR_LOG_LEVEL:-WARNING} \
      AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
      PHOTOPIPE_LAYER_CACHE="$STACK_DIR/tmp/layers" \
      PHOTOPIPE_PROCESSES_PER_FUNCTION=${PROCESSES_PER_FUNCTION:-4}
    launch "$VENV/bin/python" -c 'import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); runpy.run_module("ministack_hooks", run_name="__main__")' "$ROOT/scripts"
  )
  echo "${LISTEN[*]}" >"$BIND_FILE"
  say "ministack $MINISTACK_VERSION up on http://127.0.0.1:$PORT (pid $(cat "$PID_FILE"), state $STACK_DIR/state)"
  [ "$(ministack_bind)" = 127.0.0.1 ] || say "PUBLIC_HOST=$PUBLIC_HOST: ministack listens on every interface (0.0.0.0), as it takes one address only"
}

localstack_host_up() {
  already_up localstack && return 0
  port_in_use && die "port $PORT is already taken by another process; choose another with PORT=<n> (e.g. 'make up PORT=4567')"
  ensure_localstack_venv
  ensure_lambda_python
  # LocalStack's files stay in the stack folder (it would otherwise write to /var/lib/localstack
  # and the system temp folder). Its state is in memory only: this edition ignores PERSISTENCE.
  # A new LocalStack is empty, the Terraform state in its S3 included: the next apply creates
  # everything afresh.
  rm -rf "$STACK_DIR/localstack" "$STACK_DIR/tmp" "$STACK_DIR/outputs.json" "$STACK_DIR/tf"
  mkdir -p "$STACK_DIR/localstack" "$STACK_DIR/tmp" "$STACK_DIR/cache"
  (
    # OVERRIDE_IN_DOCKER=0: a machine with /.dockerenv (CI containers) is not LocalStack's
    # container. DynamoDB comes from moto: the stock provider downloads DynamoDB Local and a JDK.
    # SQS_ENDPOINT_STRATEGY=off: queue URLs http://127.0.0.1:PORT/ACCOUNT/NAME, which the AWS provider
    # parses, without *.localhost.localstack.cloud names, which
    # need public DNS. S3_SKIP_SIGNATURE_VALIDATION=0: presigned URLs are checked as on AWS.
    # DISABLE_CORS_*: LocalStack's own CORS rules (a 403 for a browser page's Origin or Referer,
    # its own Access-Control-* headers) stay off the delivery function URL, which answers CORS
    # itself as on AWS; S3 and execute-api keep their own CORS handling either way.
    # EAGER_SERVICE_LOADING=1: every service loads, one after another, before the port answers;
    # loaded lazily, Terraform's parallel first calls import moto's modules from two threads at
    # once, and a CI run died on "deadlock detected by _ModuleLock('moto.apigateway.models')".
    export OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$STACK_DIR/localstack" TMPDIR="$STACK_DIR/tmp" \
      XDG_CACHE_HOME="$STACK_DIR/cache" \
      GATEWAY_LISTEN=$(printf '%s:'"$PORT"',' "${LISTEN[@]}" | sed 's/,$//') LOCALSTACK_HOST=127.0.0.1:$PORT \
      DISABLE_EVENTS=1 SKIP_SSL_CERT_DOWNLOAD=1 DNS_ADDRESS=0 \
      SERVICES=s3,sqs,sns,lambda,dynamodb,apigateway,iam,sts,logs,ssm,secretsmanager,cloudwatch,events \
      PROVIDER_OVERRIDE_DYNAMODB=moto \
      LAMBDA_RUNTIME_EXECUTOR=host-process \
      LAMBDA_HOST_INTERPRETERS="python3.12=$LAMBDA_PY_VENV/bin/python" \
      LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT=60 \
      SQS_ENDPOINT_STRATEGY=off S3_SKIP_SIGNATURE_VALIDATION=0 EAGER_SERVICE_LOADING=1 \
      DISABLE_CORS_CHECKS=1 DISABLE_CORS_HEADERS=1 DISABLE_PREFLIGHT_PROCESSING=1 \
      LS_LOG=${EMULATOR_LOG_LEVEL:-warning}
    export LS_LOG=${LS_LOG,,}
    launch "$LS_VENV/bin/python" -m localstack.runtime.main
  )
  echo "${LISTEN[*]}" >"$BIND_FILE"
  local token="not set"
  [ -n "${LOCALSTACK_AUTH_TOKEN:-}" ] && token="passed through"  # never the token itself
  say "localstack $LOCALSTACK_VERSION (host mode) up on $(printf 'http://%s:'"$PORT"' ' "${LISTEN[@]}")(pid $(cat "$PID_FILE"); LOCALSTACK_AUTH_TOKEN $token)"
}

host_down() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"; say "$EMULATOR not running"; return 0
  fi
  # SIGTERM lets the emulator write its state and stop its Lambda processes; its whole process
  # group goes with it.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 20))
  while kill -0 -- "-$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      say "$EMULATOR did not stop within 20s; killing its process group"
      kill -KILL -- "-$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$PID_FILE" "$BIND_FILE"
  rm -rf "$STACK_DIR/tmp"  # the stopped Lambda processes' unpacked code; state lives elsewhere
  port_in_use && die "port $PORT still answers after stopping pid $pid"
  say "$EMULATOR stopped (pid $pid)"
}

docker_engine() { docker info >/dev/null 2>&1; }

# docker | host, from LOCALSTACK_MODE; a recorded pid means host mode is what runs now.
localstack_mode() {
  case "$LOCALSTACK_MODE" in
    docker|host) echo "$LOCALSTACK_MODE" ;;
    auto) if [ -f "$PID_FILE" ] || ! docker_engine; then echo host; else echo docker; fi ;;
    *) die "unknown LOCALSTACK_MODE=$LOCALSTACK_MODE (auto | docker | host)" ;;
  esac
}

compose() {
  docker_engine || die "LOCALSTACK_MODE=docker needs a running Docker engine and none answers here. Use LOCALSTACK_MODE=host (or auto)."
  LOCALSTACK_PORT=$PORT LOCALSTACK_BIND=$(ministack_bind) docker compose -f "$ROOT/docker-compose.yml" -p "photopipe-$(basename "$STACK_DIR")" "$@"
}

case "${1:-}" in
  up)
    mkdir -p "$STACK_DIR"
    case "$EMULATOR" in
      ministack) ministack_up ;;
      localstack)
        if [ "$(localstack_mode)" = docker ]; then
          compose up -d; wait_healthy; say "localstack (docker) up on http://127.0.0.1:$PORT"
        else
          localstack_host_up
        fi ;;
      *) die "unknown EMULATOR=$EMULATOR (ministack | localstack)" ;;
    esac ;;
  down)
    case "$EMULATOR" in
      ministack) host_down ;;
      localstack) if [ "$(localstack_mode)" = docker ]; then compose down; else host_down; fi ;;
      *) die "unknown EMULATOR=$EMULATOR" ;;
    esac ;;
  install)  # what `up` would install first, without starting anything
    case "$EMULATOR" in
      ministack) ensure_ministack_venv ;;
      localstack) if [ "$(localstack_mode)" = host ]; then ensure_localstack_venv && ensure_lambda_python; fi ;;
      *) die "unknown EMULATOR=$EMULATOR (ministack | localstack)" ;;
    esac ;;
  status)
    if healthy; then say "$EMULATOR healthy on port $PORT"; else say "$EMULATOR not answering on port $PORT"; exit 1; fi ;;
  logs)
    if [ "$EMULATOR" = localstack ] && [ "$(localstack_mode)" = docker ]; then
      compose logs -f
    else
      [ -f "$LOG_FILE" ] || die "no log at $LOG_FILE"; tail -n 200 -F "$LOG_FILE"
    fi ;;
  *) echo "usage: $0 up|down|install|status|logs" >&2; exit 2 ;;
esac
