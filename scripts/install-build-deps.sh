#!/usr/bin/env bash
# Debian packages that building ci-core's `process` feature needs:
#   cmake, nasm  -> the turbojpeg crate builds libjpeg-turbo from its vendored sources
#   pkg-config, gcc/g++ (build-essential) -> libwebp-sys compiles vendored libwebp with cc
# Idempotent: installs only what is missing, and runs `apt-get update` at most once.
set -euo pipefail

PKGS=(cmake nasm pkg-config build-essential)
[ "$#" -gt 0 ] && PKGS+=("$@")   # callers (bench/engine.sh) may add their own

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-build-deps: all present (${PKGS[*]})"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-build-deps: installed ${missing[*]}"
