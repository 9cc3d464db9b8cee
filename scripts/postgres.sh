#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local runs: in a temp dir, on a free loopback port,
# as a non-root user (PostgreSQL refuses to run as root), with a random password.
#   scripts/postgres.sh ensure             make sure initdb/pg_ctl exist (apt-get installs postgresql if not)
#   scripts/postgres.sh start [dir]        create and start a cluster; prints its dir and URL:
#                                          PGTEST_DIR=<dir>
#                                          PGTEST_URL=postgres://app:<password>@127.0.0.1:<port>/postgres
#   scripts/postgres.sh stop <dir>         stop it (fast) and delete the dir
#   scripts/postgres.sh pause|resume <dir> stop / start the server of an existing cluster (outage tests)
#   scripts/postgres.sh run -- <cmd...>    start one, run cmd with TEST_POSTGRES_URL set, stop it
# The cluster trades durability for speed (fsync off): it is for tests, never for data you keep.
set -euo pipefail

log() { printf '[postgres] %s\n' "$*" >&2; }

# Debian puts the server binaries outside PATH; its postgresql-common wrappers are not enough.
find_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then return 0; fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then PATH="$dir:$PATH"; export PATH; return 0; fi
  done
  return 1
}

ensure() {
  find_bin && return 0
  if command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
    log "initdb/pg_ctl not found: installing postgresql with apt-get"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    find_bin && return 0
  fi
  log "PostgreSQL server binaries (initdb, pg_ctl) are missing: install PostgreSQL 15+ (Debian/Ubuntu: apt-get install postgresql)"
  exit 1
}

# Runs a command as the cluster's owner: as is for a normal user, as `postgres` (or a created
# `pgtest` user) for root.
as_owner() {
  if [[ "$(id -u)" != 0 ]]; then "$@"; return; fi
  local who=postgres
  id "$who" >/dev/null 2>&1 || { who=pgtest; id "$who" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh "$who"; }
  # runuser keeps our PATH only when told to; pass the resolved binaries' PATH explicitly.
  runuser -u "$who" -- env PATH="$PATH" "$@"
}

owner_name() {
  if [[ "$(id -u)" != 0 ]]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo pgtest; fi
}

free_port() {
  # A loopback port nothing listens on (no node/python dependency), below the kernel's ephemeral
  # range: a port in that range can be taken at any moment by an outgoing connection's local end,
  # which the probe below cannot see, and the server then fails to bind ("Address already in use").
  local port low=32768
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then read -r low _ < /proc/sys/net/ipv4/ip_local_port_range; fi
  (( low > 11000 )) || low=61000
  for _ in $(seq 1 50); do
    port=$(( 10000 + RANDOM % (low - 10000) ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  log "no free port found"; exit 1
}

start_server() {
  local dir="$1" port
  port="$(cat "$dir/port")"
  as_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { log "server did not start; its log:"; cat "$dir/server.log" >&2; exit 1; }
}

start() {
  ensure
  local dir="${1:-}"
  if [[ -z "$dir" ]]; then dir="$(mktemp -d "${TMPDIR:-/tmp}/pgtest-XXXXXX")"; else mkdir -p "$dir"; fi
  mkdir -p "$dir/socket"
  local password port
  password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)"
  port="$(free_port)"
  echo "$port" > "$dir/port"
  printf '%s\n' "$password" > "$dir/pwfile"
  chmod 700 "$dir"
  [[ "$(id -u)" == 0 ]] && chown -R "$(owner_name)" "$dir"
  as_owner initdb -D "$dir/data" -U app --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
    || { log "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
  start_server "$dir"
  echo "PGTEST_DIR=$dir"
  echo "PGTEST_URL=postgres://app:$password@127.0.0.1:$port/postgres"
}

stop() {
  local dir="${1:?usage: postgres.sh stop <dir>}"
  [[ -d "$dir/data" ]] || { rm -rf "$dir"; return 0; }
  find_bin || true
  as_owner pg_ctl -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

pause() {
  find_bin
  # fast, not immediate: sessions are cut off as in any restart, but with fsync and synchronous
  # commit off an immediate stop would also lose the last commits, which no real outage test wants.
  as_owner pg_ctl -D "${1:?usage: postgres.sh pause <dir>}/data" -m fast -w stop >/dev/null
}

resume() {
  find_bin
  start_server "${1:?usage: postgres.sh resume <dir>}"
}

run() {
  [[ "${1:-}" == "--" ]] && shift
  local out dir url
  out="$(start)"
  dir="$(sed -n 's/^PGTEST_DIR=//p' <<<"$out")"
  url="$(sed -n 's/^PGTEST_URL=//p' <<<"$out")"
  trap 'stop "$dir"' EXIT
  log "cluster at ${url%%:*}://app@${url##*@} (dir $dir)"
  TEST_POSTGRES_URL="$url" "$@"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  ensure) ensure ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  pause) pause "$@" ;;
  resume) resume "$@" ;;
  run) run "$@" ;;
  *) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
