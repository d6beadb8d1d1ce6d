#!/usr/bin/env bash
# Runs the official cos-go-sdk-v5 (module proxy, pinned in go.mod/go.sum), unmodified,
# against `cos-ci serve`: a debug build of the workspace's CLI on a free loopback port,
# a temporary root and the credentials AKIDexample / sk-example.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
source scripts/go-env.sh
source scripts/cos-ci-serve.sh
command -v go >/dev/null 2>&1 || { echo "tests/interop-go needs Go (scripts/install-deps.sh)" >&2; exit 1; }

# The debug build: `cargo test --workspace` has built it already in the test command.
cargo build --locked -q -p ci-cli
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cos-ci-interop-go.XXXXXX")
"$TARGET_DIR/debug/cos-ci" serve --root "$WORK/data" --port 0 \
  --secret-id AKIDexample --secret-key sk-example 2> "$WORK/server.log" &
SERVER_PID=$!
cleanup() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
addr=$(wait_for_cos_ci_serve "$WORK/server.log" "$SERVER_PID")
echo "cos-ci serve at $addr"

cd "$HERE"
export COS_CI_TEST_SERVER="$addr"
go vet ./...
if ! go test -count=1 -v ./... ; then
  echo "--- server log (last 40 lines)" >&2
  tail -n 40 "$WORK/server.log" >&2
  exit 1
fi
