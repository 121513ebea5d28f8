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

# shellcheck source=infra/lib.sh
source "$root/infra/lib.sh"
state=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serve dynoxide "$state" "$dynoxide" serve --host 127.0.0.1 --port "$port" --log quiet
wait_for dynoxide "$server_pid" "$state/dynoxide.log" listening "$port"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
echo "DynamoDB served by dynoxide at $AWS_ENDPOINT_URL_DYNAMODB" >&2

"$@"
