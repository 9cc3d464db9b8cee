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

# shellcheck source=scripts/pinned-venv.sh
source "$root/scripts/pinned-venv.sh"

ensure() { pinned_venv_ensure kubernetes-validate "$KUBERNETES_VALIDATE_VERSION" kubernetes_validate; }

run() {
  ensure
  local files=("$@")
  if [[ ${#files[@]} -eq 0 ]]; then
    mapfile -t files < <(find "$root/deploy/k8s" -name '*.yaml' | sort)
  fi
  # cert-manager's kinds (deploy/k8s/pki.yaml) are custom resources: the bundled schemas do not
  # know them, so such a file is left out here and checked by test/unit/deploy/k8s-cross-references
  # (its Certificates against the pods that mount them). A file must hold only such kinds.
  local kept=() file
  for file in "${files[@]}"; do
    if grep -q '^apiVersion: cert-manager\.io/' "$file"; then
      if grep '^apiVersion:' "$file" | grep -qv 'cert-manager\.io/'; then
        log "$file mixes cert-manager kinds with built-in ones: keep them in files of their own"; return 1
      fi
      log "not validated here (custom resources, checked by the cross-reference test): $file"
    else
      kept+=("$file")
    fi
  done
  files=("${kept[@]}")
  [[ ${#files[@]} -gt 0 ]] || { log "no manifests to validate"; exit 1; }
  local output="" version status=0
  for version in $K8S_VERSIONS; do
    output+="$("$python" -m kubernetes_validate --strict -k "$version" "${files[@]}" 2>&1)"$'\n' || status=1
  done
  printf '%s' "$output"
  # A kind or apiVersion the bundled schemas do not know is only a WARN there (exit 0), so it
  # would go unchecked: every kind left here is a built-in one, so a warning is a failure.
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
