#!/usr/bin/env bash
# Schemathesis (an API fuzzer from PyPI) against a running gateway's /openapi.json:
#   scripts/schemathesis.sh ensure               create the virtual environment, once (later calls
#                                                only check it and return at once)
#   scripts/schemathesis.sh run <gateway-url>    ensure, then fuzz: every phase (examples, coverage,
#                                                fuzzing, stateful), the six checks below, a fixed
#                                                seed, bounded in time; exit 0 only with zero failures
# Only ever point it at a throwaway stack: it registers users, logs them out and deletes them.
# The auth hook (test/schemathesis/hooks.py) registers a fresh user whenever the token stops working.
# Environment: SCHEMATHESIS_SEED (default 20261201), SCHEMATHESIS_MAX_EXAMPLES per operation and
# phase (default 60), SCHEMATHESIS_TIMEOUT_S for the whole run (default 300), SCHEMATHESIS_REPORT_DIR
# (default .data/schemathesis; junit.xml there is the last run's report).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
SCHEMATHESIS_VERSION="4.32.5"
venv="$root/.tools/schemathesis-venv"
# Run as `python -m schemathesis.cli`, not through bin/schemathesis: that script's first line holds
# the absolute path the venv was made under, and .tools/ may be reached through another checkout.
python="$venv/bin/python"

log() { printf '[schemathesis] %s\n' "$*" >&2; }

# shellcheck source=scripts/pinned-venv.sh
source "$root/scripts/pinned-venv.sh"

ensure() {
  if pinned_venv_ok "$SCHEMATHESIS_VERSION"; then return 0; fi
  if command -v python3 >/dev/null && ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    log "python3 is $(python3 --version 2>&1); Schemathesis $SCHEMATHESIS_VERSION needs Python >= 3.10"; exit 1
  fi
  pinned_venv_ensure schemathesis "$SCHEMATHESIS_VERSION" schemathesis.cli
}

run() {
  local url="${1:?usage: scripts/schemathesis.sh run <gateway-url>}"
  shift
  ensure
  local report_dir="${SCHEMATHESIS_REPORT_DIR:-$root/.data/schemathesis}"
  mkdir -p "$report_dir"
  report_dir="$(cd "$report_dir" && pwd)"
  # From the report folder: Hypothesis keeps a .hypothesis/ folder in the working directory, and
  # it belongs with the reports, not in the checkout.
  cd "$report_dir"
  # `timeout` bounds the run whatever the fuzzer does; 124 means it was cut off (a failure).
  # --generation-database none: no example store carried over from an earlier run, so the seed
  # alone decides what is sent. --workers 1: the seed decides the order too.
  SCHEMATHESIS_HOOKS="$root/test/schemathesis/hooks.py" \
    timeout --kill-after=10 "${SCHEMATHESIS_TIMEOUT_S:-300}" "$python" -m schemathesis.cli \
    --config-file "$root/test/schemathesis/schemathesis.toml" run "${url%/}/openapi.json" \
    --phases examples,coverage,fuzzing,stateful \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
    --seed "${SCHEMATHESIS_SEED:-20261201}" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-60}" \
    --generation-database none \
    --workers 1 \
    --request-timeout 10 \
    --no-color \
    --report junit --report-junit-path "$report_dir/junit.xml" \
    "$@"
}

case "${1:-}" in
  ensure) ensure ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 ensure | run <gateway-url> [schemathesis run options]" >&2; exit 2 ;;
esac
