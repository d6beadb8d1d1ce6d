#!/usr/bin/env bash
# Builds libcos_ci.a (release) and runs go vet and go test -race for package cosci.
# The local-server tests (ours alone, and side by side with the official cos-go-sdk-v5)
# run against an in-process server (NewTestServer, through libcos_ci), or against the one
# named by COS_CI_TEST_SERVER=host:port (credentials AKIDlocal / sk-local). Go modules
# come from the Go proxy (go.sum is checked in).
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/go-env.sh
cargo build --locked --release -p ci-capi
export CGO_ENABLED=1

go vet ./...
go test -race -count=1 ./...
