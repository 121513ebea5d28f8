#!/usr/bin/env bash
# Writes the environment the functions get locally (for `cargo lambda watch --env-file`):
# the AWS SDK's variables from infra/with-moto.sh, the stack's names, local identity headers.
# Usage: infra/function-env.sh FILE   (TABLE_NAME, EVENT_BUS_NAME, REPORT_SENDER, PUBLIC_BASE_URL, NOTIFY_SENDER, CURRENCY set)
set -euo pipefail
cat > "$1" <<ENV
AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL
AWS_REGION=$AWS_REGION
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AWS_EC2_METADATA_DISABLED=true
TABLE_NAME=$TABLE_NAME
EVENT_BUS_NAME=$EVENT_BUS_NAME
REPORT_SENDER=$REPORT_SENDER
PUBLIC_BASE_URL=$PUBLIC_BASE_URL
NOTIFY_SENDER=$NOTIFY_SENDER
CURRENCY=$CURRENCY
AUTH_MODE=local-headers
ENV
