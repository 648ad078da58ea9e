#!/usr/bin/env bash
# Builds the real OTLP backends and load generator that the end-to-end tests run, pinned, from Go modules only:
#   jaeger          github.com/jaegertracing/jaeger/cmd/jaeger                                v1.76.0 (= Jaeger v2.13.0)
#   victoria-metrics github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics           v1.151.0
#   victoria-logs   github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs                  v1.52.1
#   telemetrygen    github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen v0.161.0
#   amtool          github.com/prometheus/alertmanager/cmd/amtool                              v0.34.0 (the chart's
#                   Alertmanager: Debian's 0.25 does not know the webhook's url_file)
# into <repo>/.cache/e2e-tools/bin (E2E_TOOLS_DIR overrides <repo>/.cache/e2e-tools). A tool whose binary is there
# and whose embedded Go build info (`go version -m`) names the pinned module version is skipped.
# Needs only `go` (1.26) and the Go module proxy; works from an empty module cache.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${E2E_TOOLS_DIR:-$ROOT/.cache/e2e-tools}"
BIN="$TOOLS/bin"
SRC="$TOOLS/src"

JAEGER_MOD=github.com/jaegertracing/jaeger
JAEGER_VERSION=v1.76.0
JAEGER_V2_VERSION=v2.13.0
VM_MOD=github.com/VictoriaMetrics/VictoriaMetrics
VM_VERSION=v1.151.0
VL_MOD=github.com/VictoriaMetrics/VictoriaLogs
VL_VERSION=v1.52.1
TG_MOD=github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen
TG_VERSION=v0.161.0
AM_MOD=github.com/prometheus/alertmanager
AM_VERSION=v0.34.0

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
mkdir -p "$BIN" "$SRC"
BIN="$(cd "$BIN" && pwd)"

command -v go >/dev/null || { echo "build-e2e-tools: 'go' is not on PATH (Go 1.26 or newer is needed)" >&2; exit 1; }

# up_to_date BINARY MODULE VERSION: the binary exists and its Go build info names MODULE at VERSION (as its main
# module or as a dependency): no stamp file is needed.
up_to_date() {
    [[ -x "$1" ]] || return 1
    go version -m "$1" 2>/dev/null | awk -v m="$2" -v v="$3" '($1 == "mod" || $1 == "dep") && $2 == m && $3 == v { ok = 1 } END { exit !ok }'
}

# run COMMAND...: runs COMMAND with its output in $LOG (go prints hundreds of download lines); on failure prints the
# end of the log and stops.
run() {
    if ! "$@" >>"$LOG" 2>&1; then
        echo "build-e2e-tools: failed: $*" >&2
        tail -n 40 "$LOG" >&2
        echo "build-e2e-tools: whole log: $LOG" >&2
        exit 1
    fi
}

# build NAME MODULE VERSION FUNCTION: runs FUNCTION unless bin/NAME is already the pinned version; prints the time.
build() {
    local name="$1" mod="$2" version="$3" fn="$4" started
    if up_to_date "$BIN/$name" "$mod" "$version"; then
        echo "build-e2e-tools: $name $version is already built ($BIN/$name)"
        return
    fi
    LOG="$TOOLS/logs/$name.log"
    mkdir -p "$TOOLS/logs"
    : >"$LOG"
    echo "build-e2e-tools: building $name from $mod@$version (log: $LOG) ..."
    started=$SECONDS
    rm -f "$BIN/$name"
    "$fn"
    up_to_date "$BIN/$name" "$mod" "$version" || { echo "build-e2e-tools: $BIN/$name does not report $mod $version" >&2; exit 1; }
    echo "build-e2e-tools: built $name $version in $((SECONDS - started))s ($(du -h "$BIN/$name" | cut -f1))"
}

# Jaeger's go.mod has a replace directive, so `go install …@v` refuses it: build it from a generated tools module
# that carries the same replace (github.com/Shopify/sarama => v1.33.0, as upstream).
build_jaeger() {
    local dir="$SRC/jaeger"
    rm -rf "$dir"
    mkdir -p "$dir"
    run go -C "$dir" mod init e2e-tools/jaeger
    run go -C "$dir" mod edit -replace github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0
    run go -C "$dir" get -tool "$JAEGER_MOD/cmd/jaeger@$JAEGER_VERSION"
    run go -C "$dir" build -trimpath -o "$BIN/jaeger" \
        -ldflags "-s -w -X $JAEGER_MOD/internal/version.latestVersion=$JAEGER_V2_VERSION" \
        "$JAEGER_MOD/cmd/jaeger"
}

build_vm() {
    run env GOBIN="$BIN" go install -trimpath \
        -ldflags "-s -w -X $VM_MOD/lib/buildinfo.Version=victoria-metrics-$VM_VERSION" \
        "$VM_MOD/app/victoria-metrics@$VM_VERSION"
}

build_vl() {
    run env GOBIN="$BIN" go install -trimpath \
        -ldflags "-s -w -X $VM_MOD/lib/buildinfo.Version=victoria-logs-$VL_VERSION" \
        "$VL_MOD/app/victoria-logs@$VL_VERSION"
}

build_tg() {
    run env GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "$TG_MOD@$TG_VERSION"
}

build_amtool() {
    run env GOBIN="$BIN" go install -trimpath -ldflags "-s -w" "$AM_MOD/cmd/amtool@$AM_VERSION"
}

total=$SECONDS
build jaeger "$JAEGER_MOD" "$JAEGER_VERSION" build_jaeger
build victoria-metrics "$VM_MOD" "$VM_VERSION" build_vm
build victoria-logs "$VL_MOD" "$VL_VERSION" build_vl
build telemetrygen "$TG_MOD" "$TG_VERSION" build_tg
build amtool "$AM_MOD" "$AM_VERSION" build_amtool
echo "build-e2e-tools: all five tools are in $BIN ($((SECONDS - total))s)"
