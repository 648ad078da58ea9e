#!/usr/bin/env bash
# Builds the test collectors (otelcol/builder.yaml: the agents' and the forwarder's; otelcol/gateway.builder.yaml: the
# gateway's) with the OpenTelemetry Collector Builder into .cache/otelcol/. Everything comes from the Go module proxy:
# the builder at each manifest's release, then the components. A build whose manifest has not changed is kept
# (.cache/otelcol/<name>.sha256). The two build one after the other: the second reuses the first's compiled
# dependencies. `npm run build:otelcol`.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.cache/otelcol
mkdir -p "$cache/bin"

build() {
    local manifest="$1" name version output binary stamp started
    name="$(sed -n 's/^  name: *//p' "$manifest")"
    version="$(sed -n 's/^  version: *//p' "$manifest")"
    output="$(sed -n 's/^  output_path: *//p' "$manifest")"
    binary="$output/$name"
    stamp="$(sha256sum "$manifest" | cut -d' ' -f1)"
    if [ -x "$binary" ] && [ "$(cat "$cache/$name.sha256" 2>/dev/null)" = "$stamp" ]; then
        echo "$name ${version}: up to date ($binary)"
        return
    fi
    started=$(date +%s)
    local builder="$cache/bin/builder-$version"
    if ! "$builder" version 2>/dev/null | grep -q "v${version}"; then
        GOBIN="$PWD/$cache/bin" go install "go.opentelemetry.io/collector/cmd/builder@v${version}"
        mv "$cache/bin/builder" "$builder"
    fi
    rm -f "$cache/$name.sha256"
    "$builder" --config "$manifest"
    echo "$stamp" > "$cache/$name.sha256"
    echo "$name ${version}: built in $(( $(date +%s) - started )) s ($binary)"
    "$binary" --version
}

build otelcol/builder.yaml
build otelcol/gateway.builder.yaml
