#!/usr/bin/env bash
# Builds libcos_ci.a (release) and runs go vet and go test -race for package cosci.
# With COS_CI_TEST_SERVER=host:port (cos-ci serve, AKIDlocal/sk-local) the local-server
# test runs too.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --locked --release -p ci-capi
export CGO_ENABLED=1
go vet ./...
go test -race -count=1 ./...
