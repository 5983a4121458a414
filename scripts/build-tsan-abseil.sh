#!/usr/bin/env bash
# Builds Abseil with ThreadSanitizer from Debian's own source package, at the
# version installed, as shared libraries with Debian's sonames, so that
# LD_LIBRARY_PATH=<prefix>/lib swaps them in for every user of Abseil in a
# test process: our code, gRPC and protobuf alike. Then absl::Mutex,
# absl::CondVar and absl::Notification tell TSan what they synchronise
# (Abseil annotates them when built with -fsanitize=thread), and objects
# handed between threads under a mutex are no longer reported as races.
#
#   scripts/build-tsan-abseil.sh [PREFIX]    # default build-tsan/abseil
#
# Needs root (or sudo) once to enable Debian's source lists. Skips the build
# when PREFIX already holds the installed version. About 5 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=$(realpath -m "${1:-build-tsan/abseil}")
version=$(dpkg-query -W -f='${Version}' libabsl-dev)
# The prefix is replaced whole: refuse one that holds anything but an
# earlier build of this script.
if [[ -e "$prefix" && ! -f "$prefix/VERSION" && -n "$(ls -A "$prefix" 2>/dev/null)" ]]; then
  echo "build-tsan-abseil: $prefix exists and is not an earlier TSan Abseil; choose an empty folder" >&2
  exit 2
fi
if [[ -f "$prefix/VERSION" && "$(cat "$prefix/VERSION")" == "$version" ]]; then
  echo "build-tsan-abseil: $prefix has Abseil $version with TSan"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
sources=/etc/apt/sources.list.d/infaas-deb-src.sources
if ! apt-get source --print-uris "abseil=$version" >/dev/null 2>&1; then
  echo "build-tsan-abseil: enabling Debian's source lists ($sources)"
  $sudo tee "$sources" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  $sudo apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "build-tsan-abseil: fetching the source of Abseil $version"
# apt-get source unpacks and applies Debian's patches (sonames, options.h).
(cd "$work" && apt-get source -qq "abseil=$version" >/dev/null 2>&1)
src=$(find "$work" -maxdepth 1 -type d -name 'abseil-*' | head -1)

echo "build-tsan-abseil: building it with -fsanitize=thread into $prefix"
# Through ccache when there is one (cmake/CompilerCache.cmake says why the
# folder is the base): a rebuild of the same version is then mostly linking.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER="cmake;-E;env;CCACHE_BASEDIR=$work;CCACHE_NOHASHDIR=true;CCACHE_MAXSIZE=20G;ccache")
fi
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_STANDARD=17 \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DBUILD_SHARED_LIBS=ON -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
cmake --build "$work/build" >/dev/null
rm -rf "$prefix"
cmake --install "$work/build" >/dev/null
rm -rf "$prefix/include" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"  # the system headers serve
echo "$version" >"$prefix/VERSION"
echo "build-tsan-abseil: $(ls "$prefix/lib" | grep -c '\.so\.') libraries in $prefix/lib"
