#!/usr/bin/env bash
# Builds the Go tools this project runs (Jaeger v2, ghz) from the Go module proxy into .tools/,
# once; later calls reuse the binaries. Usage: scripts/tools.sh [jaeger|ghz|all]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin"
# Jaeger v2's binary lives in the jaeger module, versioned v1.7x. v1.76.0 resolves from the module
# proxy through `go get -tool` (plain `go install` is refused: jaeger's go.mod has replace directives).
JAEGER_VERSION="${JAEGER_VERSION:-v1.76.0}"
GHZ_VERSION="${GHZ_VERSION:-v0.121.0}"

# The Go module and build caches stay in their default places (~/go, ~/.cache/go-build), so a
# fresh clone on the same machine rebuilds in seconds instead of downloading everything again.
export GOFLAGS="${GOFLAGS:--mod=mod}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
mkdir -p "$bin"

log() { printf '[tools] %s\n' "$*" >&2; }

build_jaeger() {
  local out="$bin/jaeger" stamp="$bin/jaeger.version"
  if [[ -x "$out" && "$(cat "$stamp" 2>/dev/null)" == "$JAEGER_VERSION" ]]; then
    log "jaeger $JAEGER_VERSION already built: $out"; return 0
  fi
  command -v go >/dev/null || { log "go is not installed: it is needed to build Jaeger"; exit 1; }
  log "building jaeger $JAEGER_VERSION from the Go module proxy (first time: several minutes)"
  local mod="$tools/jaeger-mod"
  rm -rf "$mod"; mkdir -p "$mod"
  (
    cd "$mod"
    go mod init local/jaeger-tools >/dev/null 2>&1
    go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION"
    go build -trimpath -ldflags='-s -w' -o "$out.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
  )
  mv "$out.tmp" "$out"
  echo "$JAEGER_VERSION" > "$stamp"
  log "jaeger built: $out"
}

build_ghz() {
  local out="$bin/ghz" stamp="$bin/ghz.version"
  if [[ -x "$out" && "$(cat "$stamp" 2>/dev/null)" == "$GHZ_VERSION" ]]; then
    log "ghz $GHZ_VERSION already built: $out"; return 0
  fi
  command -v go >/dev/null || { log "go is not installed: it is needed to build ghz"; exit 1; }
  log "building ghz $GHZ_VERSION from the Go module proxy"
  GOBIN="$bin" go install -trimpath -ldflags='-s -w' "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION"
  echo "$GHZ_VERSION" > "$stamp"
  log "ghz built: $out"
}

case "${1:-all}" in
  jaeger) build_jaeger ;;
  ghz) build_ghz ;;
  all) build_jaeger; build_ghz ;;
  *) echo "usage: $0 [jaeger|ghz|all]" >&2; exit 2 ;;
esac
