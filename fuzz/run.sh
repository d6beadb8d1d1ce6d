#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each). Not part of CI's
# critical path: run it by hand after changing a parser, and note the result in
# fuzz/README.md. Needs the nightly toolchain (rust-toolchain.toml here) and cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in $(cargo fuzz list); do
  echo "== fuzz $target for ${seconds}s"
  cargo fuzz run -O "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 2>&1 \
    | grep -E "^(Done|INFO: -max_total_time|==[0-9]+==|SUMMARY)|panicked|Done [0-9]+ runs" || true
  # cargo fuzz exits non-zero and leaves artifacts/<target>/crash-* on a finding.
  if compgen -G "artifacts/$target/crash-*" >/dev/null; then
    echo "fuzz $target: CRASH, see fuzz/artifacts/$target/"; exit 1
  fi
done
echo "fuzz: all targets ran ${seconds}s clean"
