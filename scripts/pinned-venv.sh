# Sourced, not run, by the scripts that run one pinned PyPI tool from its own virtual environment
# in .tools/ (scripts/schemathesis.sh, scripts/k8s-validate.sh). The caller sets `root`, `venv`,
# `python` (= "$venv/bin/python") and a `log` function first.

# pinned_venv_ok <version>: the venv exists, its python runs, and it holds <version>.
pinned_venv_ok() { [[ "$(cat "$venv/version" 2>/dev/null)" == "$1" ]] && "$python" -c '' 2>/dev/null; }

# pinned_venv_ensure <package> <version> <module>: creates the venv with <package>==<version> from
# PyPI once (later calls only check it and return at once) and checks `python -m <module> --version`.
pinned_venv_ensure() {
  local package="$1" version="$2" module="$3"
  if pinned_venv_ok "$version"; then return 0; fi
  command -v python3 >/dev/null || { log "python3 is not installed: it is needed for $package"; exit 1; }
  mkdir -p "$root/.tools"
  # A lock, so two callers never build the same folder at once. The version stamp is written last:
  # an interrupted install leaves no stamp, and the next call starts that folder over.
  (
    if command -v flock >/dev/null; then flock 8; fi
    if pinned_venv_ok "$version"; then exit 0; fi
    rm -rf "$venv"
    log "creating $venv ($package==$version from PyPI)"
    if ! python3 -m venv "$venv" >&2; then
      rm -rf "$venv"
      log "python3 -m venv failed: on Debian/Ubuntu install the python3-venv package (apt-get install python3-venv)"
      exit 1
    fi
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package==$version" >&2; then
      rm -rf "$venv"; log "pip install $package==$version failed"; exit 1
    fi
    "$python" -m "$module" --version >/dev/null
    echo "$version" >"$venv/version"
    log "$package $version ready in $venv"
  ) 8>"$venv.lock"
}
