#!/usr/bin/env bash
# Builds the release binary `cos-ci` (target/release/cos-ci) and the C library
# (target/release/libcos_ci.{a,so}) as shipped: with the AV1 codecs' SIMD kernels
# (ci-core feature `avif-asm`) and libaom as the AVIF encoder (`avif-aom`, built from
# source; its x86 build needs nasm) when nasm is installed, which install-deps.sh does;
# plain `cargo build --release` builds without them (rav1e encodes AVIF; no nasm needed).
# Prints what the binary has (`cos-ci --version --verbose`) and fails if nasm was there
# but the kernels or libaom are not. The wheel: ci-python/build-wheel.sh does the same.
set -euo pipefail
cd "$(dirname "$0")/.."
features=()
if command -v nasm >/dev/null 2>&1; then
  features=(--features ci-core/avif-asm,ci-core/avif-aom)
else
  echo "build-release: no nasm: building without the AV1 (and JPEG) SIMD kernels and libaom" >&2
fi
cargo build --release --locked -p ci-cli -p ci-capi "${features[@]}" "$@"
info="$(target/release/cos-ci --version --verbose)"
echo "$info"
if ((${#features[@]} > 0)) && ! grep -q "AV1 SIMD kernels: yes" <<< "$info"; then
  echo "build-release: built with nasm, yet cos-ci lacks the AV1 SIMD kernels" >&2
  exit 1
fi
if ((${#features[@]} > 0)) && ! grep -q "AVIF encoder: libaom" <<< "$info"; then
  echo "build-release: built with nasm, yet cos-ci lacks libaom (feature avif-aom)" >&2
  exit 1
fi
