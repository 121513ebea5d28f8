#!/usr/bin/env bash
# Runs a command with DynamoDB served by dynoxide (an SQLite-backed DynamoDB emulator whose
# behaviour is checked against real DynamoDB by a public conformance suite), inside
# infra/with-moto.sh, which keeps serving SES, EventBridge and SQS: it starts dynoxide on a
# free loopback port, points the SDK's DynamoDB-only variable (AWS_ENDPOINT_URL_DYNAMODB) at
# it, runs the command, and stops dynoxide on the way out.
#
# Usage: infra/with-moto.sh infra/with-dynoxide.sh command args...
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dynoxide="$root/.tools/bin/dynoxide"
[[ -x "$dynoxide" ]] || { echo "dynoxide is not installed: run make tools" >&2; exit 1; }

state=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$dynoxide" serve --host 127.0.0.1 --port "$port" --log quiet >"$state/dynoxide.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "dynoxide failed to start:" >&2
    cat "$state/dynoxide.log" >&2
    exit 1
  fi
  sleep 0.1
done

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
echo "DynamoDB served by dynoxide at $AWS_ENDPOINT_URL_DYNAMODB" >&2

"$@"
