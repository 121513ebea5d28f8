#!/usr/bin/env bash
# Inside infra/with-moto.sh: creates the table (from template.yaml), the SES identity and the
# event bus, seeds demo data, then serves every function with `cargo lambda watch` on
# http://127.0.0.1:9000, routed as API Gateway would, with the local identity headers on.
set -euo pipefail
cd "$(dirname "$0")/.."

export TABLE_NAME=shop
export EVENT_BUS_NAME=shop-events
export REPORT_SENDER=reports@example.com
export PUBLIC_BASE_URL=http://127.0.0.1:9000
export NOTIFY_SENDER=shop@example.com
export CURRENCY=USD

cargo run --quiet -p local-stack -- bootstrap
cargo run --quiet -p local-stack -- seed

mkdir -p .local
infra/function-env.sh .local/dev.env

echo "serving the API on http://127.0.0.1:9000 (Ctrl-C stops it and the local stack)"
cargo lambda watch --env-file .local/dev.env
