#!/usr/bin/env bash
# Checks this folder with promtool (Debian: the `prometheus` package):
# the configuration, the rule files' syntax, and the rules' unit tests.
# Exits non-zero at the first failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v promtool >/dev/null 2>&1; then
  echo "check.sh: promtool not found (install Prometheus, e.g. apt-get install prometheus)" >&2
  exit 1
fi

promtool check config prometheus.yml
promtool check rules rules/*.yml
promtool test rules tests/*.yml
