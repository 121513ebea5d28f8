#!/usr/bin/env bash
# Runs a command with the local AWS stack: starts moto's server (serialised, on loopback),
# points the AWS SDK's standard variables at it, runs the command, and stops the server on
# the way out, whether the command passed, failed or was interrupted.
#
# Usage: infra/with-moto.sh [--port N] command args...
#   --port N  listen on N (make dev uses a fixed port); default: a free port.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=0
if [[ "${1:-}" == "--port" ]]; then
  port=$2
  shift 2
fi

state=$(mktemp -d)
"$root/.venv/bin/python" "$root/infra/moto_server.py" --port "$port" --port-file "$state/port" \
  >"$state/moto.log" 2>&1 &
moto_pid=$!
cleanup() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
  [[ -s "$state/port" ]] && break
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "moto failed to start:" >&2
    cat "$state/moto.log" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -s "$state/port" ]] || { echo "moto did not start within 10 s" >&2; exit 1; }

export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$state/port")"
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
echo "local AWS stack at $AWS_ENDPOINT_URL" >&2

"$@"
