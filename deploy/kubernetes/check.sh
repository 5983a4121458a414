#!/usr/bin/env bash
# Checks every manifest in this folder against the Kubernetes API schemas
# (and the project's rules across them) with tests/kubernetes/validate.mjs;
# prints each object checked and exits non-zero if any is invalid. Needs
# node and `npm ci --prefix tests/kubernetes` (scripts/install-deps.sh runs it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
validator="$here/../../tests/kubernetes"
if ! command -v node >/dev/null 2>&1; then
  echo "check.sh: node not found (apt-get install nodejs npm)" >&2
  exit 1
fi
if [[ ! -d "$validator/node_modules/kubernetes-models" ]]; then
  echo "check.sh: run npm ci --prefix tests/kubernetes first" >&2
  exit 1
fi
exec node "$validator/validate.mjs" "$here"
