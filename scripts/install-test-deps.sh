#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, idempotently.
# Rust comes from the pinned toolchain (rust-toolchain.toml); system packages from apt.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the native builds and the tests need (one per line in the list file).
mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | sed '/^\s*$/d')
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "install-test-deps: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
