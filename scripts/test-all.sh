#!/usr/bin/env bash
# Installs what the tests need, then runs every test: Rust (unit, integration, doc),
# C and C++ (plain, ASan+UBSan, valgrind), Python, Go.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

echo "== Rust: cargo test --workspace"
cargo test --workspace --locked

if command -v nasm >/dev/null 2>&1; then
  # The release binary and the wheel encode AVIF with libaom where nasm is installed
  # (scripts/build-release.sh, ci-python/build-wheel.sh): the engine's tests on that path.
  echo "== Rust: ci-core's unit and engine tests with libaom (feature avif-aom)"
  cargo test --locked -p ci-core --features avif-aom --lib --test engine
fi

echo "== main job smoke run"
cargo run --locked -q -p ci-cli -- demo --out "${TMPDIR:-/tmp}/cos-ci-demo-smoke.jpg" > /dev/null

echo "== cos-ci --version --verbose (libjpeg-turbo's SIMD kernels must be in)"
info=$(cargo run --locked -q -p ci-cli -- --version --verbose)
echo "$info"
grep -q "SIMD kernels: yes" <<< "$info" || { echo "cos-ci was built without JPEG SIMD" >&2; exit 1; }

echo "== C and C++: tests/c/run.sh"
tests/c/run.sh

echo "== Python: ci-python/run-tests.sh"
ci-python/run-tests.sh

echo "== Python: ci-python/build-wheel.sh (the release wheel: manylinux2014 by zig, auditwheel, a bare venv)"
ci-python/build-wheel.sh

echo "== Go: ci-go/test.sh"
ci-go/test.sh

echo "== Go: tests/interop-go/run.sh (official cos-go-sdk-v5 against cos-ci serve)"
tests/interop-go/run.sh
