#!/usr/bin/env bash
# Checks the relative links and #anchors of the docs offline (remark-validate-links, configured
# in .remarkrc.json not to ask git or the network): a missing file or heading fails the run.
#   scripts/docs-check.sh            README.md, docs/*.md and bench/README.md (npm run docs:check)
#   scripts/docs-check.sh <file...>  those files, resolved from the current folder
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ $# -eq 0 ]]; then
  cd "$root"
  set -- README.md docs bench/README.md
fi
# --frail: a warning (the checker's only kind of finding) fails the run.
exec "$root/node_modules/.bin/remark" --rc-path "$root/.remarkrc.json" --frail --quiet --no-stdout --no-color "$@"
