#!/usr/bin/env bash
# Installs what the tests need, then runs every test: Rust (unit, integration, doc),
# and the cross-language suites as they exist (C, Python, Go).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

echo "== Rust: cargo test --workspace"
cargo test --workspace --locked

echo "== main job smoke run"
cargo run --locked -q -p ci-core --example quickstart > /dev/null
