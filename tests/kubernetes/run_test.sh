#!/usr/bin/env bash
# kubernetes_manifests_test (ctest): runs validate.test.mjs with node's test
# runner. Without node or this folder's node_modules (npm ci, as
# scripts/install-deps.sh runs it) the test skips (exit 77) and says what to
# install — unless INFAAS_REQUIRE_EXTERNAL_TOOLS is set; then it fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# $1: the node CMake found; one installed since is found on PATH.
node="${1:-}"
if [[ ! -x "$node" ]]; then node="$(command -v node || true)"; fi

missing=""
if [[ -z "$node" || ! -x "$node" ]]; then
  missing="node (apt-get install nodejs npm)"
elif [[ ! -d "$here/node_modules/kubernetes-models" || ! -d "$here/node_modules/yaml" ]]; then
  missing="tests/kubernetes/node_modules (npm ci --prefix tests/kubernetes)"
fi
if [[ -n "$missing" ]]; then
  if [[ -n "${INFAAS_REQUIRE_EXTERNAL_TOOLS:-}" ]]; then
    echo "kubernetes_manifests_test: INFAAS_REQUIRE_EXTERNAL_TOOLS is set but missing: $missing" >&2
    exit 1
  fi
  echo "kubernetes_manifests_test: skipped, missing: $missing"
  exit 77
fi
exec "$node" --test "$here/validate.test.mjs"
