#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing,
# builds, registers every shipped zoo model (profiling each variant and
# measuring its accuracy on the committed validation subset) and prints the
# catalogue.
#
# State lives in $INFAAS_HOME (default ./.infaas): the SQLite store
# infaas.db and the model repository models/. Running it again skips models
# already registered.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target infaas

infaas=build/bin/infaas
for config in models/zoo/*/config.pbtxt; do
  "$infaas" profile "$config" --validation models/zoo/validation --skip-registered
done
echo
echo "Catalogue ($("$infaas" catalog | tail -n +2 | grep -vc '^\*') variants):"
"$infaas" catalog
