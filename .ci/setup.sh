#!/usr/bin/env bash
# Installs what the build needs (Debian 12 packages) when missing, then configures and builds
# into build/. Safe to re-run: installed packages and an up-to-date build are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build ccache pkg-config
          libxgboost-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev doctest-dev
          libsqlite3-dev sqlite3 libxxhash-dev libssl-dev libcpp-httplib-dev curl zlib1g-dev liblzma-dev libzstd-dev xz-utils zstd
          libpq-dev postgresql
          libtorch-dev libopenblas0-openmp libgloo-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -j "$jobs"
