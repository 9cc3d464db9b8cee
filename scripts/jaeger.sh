#!/usr/bin/env bash
# Runs a local Jaeger v2 (built from source by scripts/tools.sh) on loopback with in-memory storage.
#   scripts/jaeger.sh start    build if needed, start in the background (reuses one already listening)
#   scripts/jaeger.sh stop     stop the one this script started
#   scripts/jaeger.sh status   say whether Jaeger answers
#   scripts/jaeger.sh run      run in the foreground
# Ports (docs/configuration.md, "Moving the stack to other ports"): JAEGER_QUERY_PORT (16686, UI
# placeholder + API), JAEGER_QUERY_GRPC_PORT (16685), JAEGER_OTLP_HTTP_PORT (4318),
# JAEGER_OTLP_GRPC_PORT (4317), JAEGER_THRIFT_HTTP_PORT (14268), JAEGER_HEALTH_PORT (13133).
# JAEGER_STATE_DIR (.data/jaeger): its pid and log file, so a second one can run beside the first.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${TOOLS_BIN_DIR:-$root/.tools/bin}/jaeger"
config="$root/scripts/jaeger/config.yaml"
state="${JAEGER_STATE_DIR:-$root/.data/jaeger}"
pidfile="$state/jaeger.pid"
logfile="$state/jaeger.log"
# The defaults here are scripts/jaeger/config.yaml's; what is printed is what Jaeger was given.
query_port="${JAEGER_QUERY_PORT:-16686}"
otlp_grpc_port="${JAEGER_OTLP_GRPC_PORT:-4317}"
otlp_http_port="${JAEGER_OTLP_HTTP_PORT:-4318}"
thrift_port="${JAEGER_THRIFT_HTTP_PORT:-14268}"
health="http://127.0.0.1:${JAEGER_HEALTH_PORT:-13133}/status"
query="http://127.0.0.1:$query_port"

answers() { curl -fsS -m 1 "$health" >/dev/null 2>&1; }

case "${1:-start}" in
  start)
    if answers; then
      echo "[jaeger] already running: $query"; exit 0
    fi
    [[ -x "$bin" ]] || bash "$root/scripts/tools.sh" jaeger
    mkdir -p "$state"
    nohup "$bin" --config "$config" >"$logfile" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      if answers; then
        echo "[jaeger] started (pid $(cat "$pidfile")): API and UI placeholder at $query, OTLP on $otlp_grpc_port/$otlp_http_port, Jaeger thrift on $thrift_port; log $logfile"
        exit 0
      fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "[jaeger] exited at start; see $logfile" >&2; tail -n 20 "$logfile" >&2; exit 1; }
      sleep 0.1
    done
    echo "[jaeger] did not become healthy in 10 s; see $logfile" >&2; exit 1
    ;;
  stop)
    if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      kill "$(cat "$pidfile")"; rm -f "$pidfile"; echo "[jaeger] stopped"
    else
      echo "[jaeger] not started by this script"
    fi
    ;;
  status)
    if answers; then echo "[jaeger] running: $query"; else echo "[jaeger] not running"; exit 1; fi
    ;;
  run)
    [[ -x "$bin" ]] || bash "$root/scripts/tools.sh" jaeger
    exec "$bin" --config "$config"
    ;;
  *)
    echo "usage: $0 [start|stop|status|run]" >&2; exit 2
    ;;
esac
