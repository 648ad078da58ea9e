#!/usr/bin/env bash
# Builds the test collector (otelcol/builder.yaml) with the OpenTelemetry Collector Builder into .cache/otelcol/.
# Everything comes from the Go module proxy: the builder at the manifest's release, then the components. A build
# whose manifest has not changed is kept (.cache/otelcol/manifest.sha256). `npm run build:otelcol`.
set -euo pipefail
cd "$(dirname "$0")/.."
manifest=otelcol/builder.yaml
cache=.cache/otelcol
binary="$cache/src/otelcol-obs"
version="$(sed -n 's/^  version: *//p' "$manifest")"
stamp="$(sha256sum "$manifest" | cut -d' ' -f1)"

if [ -x "$binary" ] && [ "$(cat "$cache/manifest.sha256" 2>/dev/null)" = "$stamp" ]; then
  echo "otelcol-obs ${version}: up to date ($binary)"
  exit 0
fi
mkdir -p "$cache/bin"
started=$(date +%s)
if ! "$cache/bin/builder" version 2>/dev/null | grep -q "v${version}"; then
  GOBIN="$PWD/$cache/bin" go install "go.opentelemetry.io/collector/cmd/builder@v${version}"
fi
rm -f "$cache/manifest.sha256"
"$cache/bin/builder" --config "$manifest"
echo "$stamp" > "$cache/manifest.sha256"
echo "otelcol-obs ${version}: built in $(( $(date +%s) - started )) s ($binary)"
"$binary" --version
