#!/usr/bin/env bash
# Builds libcos_ci.a (release) and runs go vet and go test -race for package cosci.
# The local-server tests (ours alone, and side by side with the official cos-go-sdk-v5)
# run against `cos-ci serve`: started here on a free loopback port unless
# COS_CI_TEST_SERVER=host:port names one already running (credentials AKIDlocal /
# sk-local). COS_CI_NO_SERVER=1 skips them. Go modules come from the Go proxy (go.sum is
# checked in).
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/go-env.sh
source ../scripts/cos-ci-serve.sh
cargo build --locked --release -p ci-capi
export CGO_ENABLED=1

if [ -z "${COS_CI_TEST_SERVER:-}" ] && [ "${COS_CI_NO_SERVER:-0}" != 1 ]; then
  # The debug build: `cargo test --workspace` has built it already in the test command.
  cargo build --locked -p ci-cli
  target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
  data=$(mktemp -d)
  : > "$data/server.log" # exists before the first read below
  "$target_dir/debug/cos-ci" serve --root "$data/root" --port 0 \
    --secret-id AKIDlocal --secret-key sk-local 2> "$data/server.log" &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
  addr=$(wait_for_cos_ci_serve "$data/server.log" "$server_pid")
  export COS_CI_TEST_SERVER="$addr"
  echo "cos-ci serve at $addr"
fi

go vet ./...
go test -race -count=1 ./...
