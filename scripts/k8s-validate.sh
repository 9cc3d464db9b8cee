#!/usr/bin/env bash
# Validates the Kubernetes manifests offline (no cluster runs here) against the Kubernetes API
# schemas that kubernetes-validate (PyPI) bundles, in strict mode (an unknown field is an error):
#   scripts/k8s-validate.sh ensure             create the virtual environment, once (later calls
#                                              only check it and return at once)
#   scripts/k8s-validate.sh run [file...]      ensure, then validate the files (default: every
#                                              .yaml under deploy/k8s/); exit 0 only when all pass
# K8S_VERSIONS picks other Kubernetes minors to validate against (default below).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
KUBERNETES_VALIDATE_VERSION="1.37.0"
# The Kubernetes minors the manifests must be valid for: the oldest they need (1.30: the preStop
# sleep action; native gRPC probes are older) and the newest the pinned validator bundles.
K8S_VERSIONS="${K8S_VERSIONS:-1.30 1.37}"
venv="$root/.tools/k8s-validate-venv"
# Run as `python -m`, not through bin/kubernetes-validate: that script's first line holds the
# absolute path the venv was made under, and .tools/ may be reached through another checkout.
python="$venv/bin/python"

log() { printf '[k8s-validate] %s\n' "$*" >&2; }

venv_ok() { [[ "$(cat "$venv/version" 2>/dev/null)" == "$KUBERNETES_VALIDATE_VERSION" ]] && "$python" -c '' 2>/dev/null; }

ensure() {
  if venv_ok; then return 0; fi
  command -v python3 >/dev/null || { log "python3 is not installed: it is needed for kubernetes-validate"; exit 1; }
  mkdir -p "$root/.tools"
  # A lock, so two callers never build the same folder at once. The version stamp is written last:
  # an interrupted install leaves no stamp, and the next call starts that folder over.
  (
    if command -v flock >/dev/null; then flock 8; fi
    if venv_ok; then exit 0; fi
    rm -rf "$venv"
    log "creating $venv (kubernetes-validate==$KUBERNETES_VALIDATE_VERSION from PyPI)"
    if ! python3 -m venv "$venv" >&2; then
      rm -rf "$venv"
      log "python3 -m venv failed: on Debian/Ubuntu install the python3-venv package (apt-get install python3-venv)"
      exit 1
    fi
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2; then
      rm -rf "$venv"; log "pip install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed"; exit 1
    fi
    "$python" -m kubernetes_validate --version >/dev/null
    echo "$KUBERNETES_VALIDATE_VERSION" >"$venv/version"
    log "kubernetes-validate $KUBERNETES_VALIDATE_VERSION ready in $venv"
  ) 8>"$root/.tools/k8s-validate.lock"
}

run() {
  ensure
  local files=("$@")
  if [[ ${#files[@]} -eq 0 ]]; then
    mapfile -t files < <(find "$root/deploy/k8s" -name '*.yaml' | sort)
  fi
  [[ ${#files[@]} -gt 0 ]] || { log "no manifests to validate"; exit 1; }
  local output="" version status=0
  for version in $K8S_VERSIONS; do
    output+="$("$python" -m kubernetes_validate --strict -k "$version" "${files[@]}" 2>&1)"$'\n' || status=1
  done
  printf '%s' "$output"
  # A kind or apiVersion the bundled schemas do not know is only a WARN there (exit 0), so it
  # would go unchecked: every kind here is a built-in one, so a warning is a failure.
  if [[ $status -eq 0 ]] && grep -q '^WARN' <<<"$output"; then
    log "warnings above: a kind or apiVersion without a schema is not validated"; status=1
  fi
  return "$status"
}

case "${1:-}" in
  ensure) ensure ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 ensure | run [manifest.yaml...]" >&2; exit 2 ;;
esac
