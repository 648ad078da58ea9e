#!/usr/bin/env bash
# `npm run e2e:delivery`: the delivery test (test/delivery.e2e.spec.ts) on real processes, ending with its one-line
# result, `delivery e2e: <faults> faults, <n> spans lost on the Kafka path, <m> on the OTLP path`. Needs the test
# collectors (npm run build:otelcol), Jaeger (npm run build:e2e-tools) and the Kafka broker (npm run build:kafka).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
log="$(mktemp)"
npx mocha --no-config -n import=tsx --extension ts --timeout 1800000 test/delivery.e2e.spec.ts 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line="$(grep -o 'delivery e2e: .*' "$log" | tail -n 1)"
echo "${line:-delivery e2e: did not finish (see above)}"
exit "$status"
