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

# shellcheck source=infra/lib.sh
source "$root/infra/lib.sh"
state=$(mktemp -d)
serve moto "$state" "$root/.venv/bin/python" "$root/infra/moto_server.py" \
  --port "$port" --port-file "$state/port"
wait_for moto "$server_pid" "$state/moto.log" test -s "$state/port"

export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$state/port")"
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
echo "local AWS stack at $AWS_ENDPOINT_URL" >&2

"$@"
