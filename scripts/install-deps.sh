#!/usr/bin/env bash
# Installs every Debian 12 package that INFaaS needs to build, test and run.
# Idempotent: packages already present are skipped; safe to run repeatedly.
#
#   scripts/install-deps.sh            # build + test + run dependencies
#   scripts/install-deps.sh --zoo      # also the model-zoo training tools
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format git ca-certificates
  # a fresh clone (CI's) reuses the objects of an earlier build: cmake/CompilerCache.cmake
  ccache
  # the clang build: -Wthread-safety, ASan/UBSan and libFuzzer runtimes
  clang libclang-rt-14-dev
  # RPC and config files
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev
  # inference backends and images
  libtorch-dev libopencv-dev libonnx-dev
  # stores
  libsqlite3-dev sqlite3 libhiredis-dev redis-server
  # HTTP, CLI, logging, JSON
  libcpp-httplib-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsimdjson-dev
  libssl-dev zlib1g-dev
  # tests, benchmarks, metrics check
  libgtest-dev libgmock-dev libbenchmark-dev prometheus curl
  # `ip`: tests/testing/netns_hosts puts test processes on hosts made of
  # network namespaces
  iproute2
  # the published Fashion-MNIST test set: accuracy tests re-measure on it
  dataset-fashion-mnist
  # the dashboard's browser tests (headless Chromium) and the benchmarks' plots
  chromium fonts-dejavu-core gnuplot-nox
)
# node and npm drive Chromium (tests/browser); any node >= 18 will do, so one
# already installed (e.g. not Debian's) is kept.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
if [[ "${1:-}" == "--zoo" ]]; then
  packages+=(python3-torch python3-numpy python3-onnx python3-opencv)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi

# The browser tests' one npm package (playwright-core, pinned in
# tests/browser/package-lock.json; it drives Debian's chromium and downloads
# no browser of its own).
browser_tests="$(dirname "$0")/../tests/browser"
if [[ ! -d "$browser_tests/node_modules/playwright-core" ]]; then
  echo "install-deps: npm ci in tests/browser"
  npm ci --prefix "$browser_tests" --no-audit --no-fund --loglevel=error
fi

# The Kubernetes manifests' validator (tests/kubernetes: kubernetes-models
# and yaml, pinned in its package-lock.json).
kubernetes_tests="$(dirname "$0")/../tests/kubernetes"
if [[ ! -d "$kubernetes_tests/node_modules/kubernetes-models" ]]; then
  echo "install-deps: npm ci in tests/kubernetes"
  npm ci --prefix "$kubernetes_tests" --no-audit --no-fund --loglevel=error
fi
