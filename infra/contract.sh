#!/usr/bin/env bash
# Inside infra/with-moto.sh: serves every function with `cargo lambda watch` (as `make dev`
# does, on its own port) and runs schemathesis against it from openapi.yaml. Fails on any
# 5xx, any status the document does not list, and any body that does not match its schema.
# Besides the per-operation phases, the stateful phase chains calls along the document's
# `links` (a chart created, then read, changed, drawn, given points and alerts, deleted; an
# alert created, then read, changed, muted, unmuted, deleted), every call with the local
# identity headers below. CONTRACT_PHASES overrides the phases run.
set -euo pipefail
cd "$(dirname "$0")/.."

export TABLE_NAME=contract EVENT_BUS_NAME=contract-events REPORT_SENDER=reports@example.com PUBLIC_BASE_URL=http://127.0.0.1:9000 NOTIFY_SENDER=shop@example.com CURRENCY=USD
port=${CONTRACT_PORT:-9123}
mkdir -p .local
env_file=.local/contract.env
infra/function-env.sh "$env_file"

cargo build --quiet --workspace --bins
cargo run --quiet -p local-stack -- bootstrap
cargo run --quiet -p local-stack -- seed

# Outside the tree and without reloads: a file written under the project would restart
# the functions in the middle of requests.
log=$(mktemp)
cargo lambda watch --ignore-changes --invoke-port "$port" --env-file "$env_file" > "$log" 2>&1 &
watch_pid=$!
stop() {
  kill "$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  if [[ "${status:-0}" != 0 ]]; then
    echo "--- cargo lambda watch's log (errors) ---"
    grep -vE "default function route" "$log" | grep -E "ERROR|panicked|unexpected" | tail -40 || true
  fi
  rm -f "$log"
}
trap 'status=$?; stop' EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -s -o /dev/null "$base/products" && break
  sleep 1
done

PYTHONPATH=infra SCHEMATHESIS_HOOKS=schemathesis_hooks schemathesis run openapi.yaml \
  --url "$base" \
  --header "x-customer-id: contract-admin" \
  --header "x-customer-email: admin@example.com" \
  --header "x-customer-groups: admin" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases "${CONTRACT_PHASES:-examples,coverage,fuzzing,stateful}" \
  --max-examples "${CONTRACT_EXAMPLES:-30}" \
  --request-timeout 60 \
  --generation-codec utf-8 \
  ${CONTRACT_ARGS:-} \
  --seed 20261121
