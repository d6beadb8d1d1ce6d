#!/usr/bin/env bash
# Go benchmarks (not part of the test command):
#  1. Process overhead: photo.jpg -> imageMogr2/thumbnail/200x through cgo
#     (cosci.Process, BenchmarkProcessThumbnail) against the same Rust call
#     (ci-capi/examples/process_timing.rs: parse + execute + copy), in interleaved rounds;
#     prints the median ns/op of each and the ratio cgo / Rust.
#  2. Upload with processing: cosci CIPutObject against cos-go-sdk-v5 CI.Put, same image,
#     same single rule, against a release `cos-ci serve` on loopback; sequential (with
#     GOMAXPROCS=1 and with Go's default, the core count) and with 4 goroutines; prints requests/s and the ratio ours / SDK, and the client's CPU per
#     call (user+sys of the benchmark process; the server is another process).
# Knobs: BENCH_ROUNDS (5), BENCH_ITERS (100, Process calls per round), BENCH_PUT_TIME
# (2s per put round).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/go-env.sh
source scripts/cos-ci-serve.sh
ROUNDS=${BENCH_ROUNDS:-5}
ITERS=${BENCH_ITERS:-100}
PUT_TIME=${BENCH_PUT_TIME:-2s}
PHOTO="$ROOT/tests/fixtures/corpus/photo.jpg"
RULE="imageMogr2/thumbnail/200x"

# One invocation: building the two packages separately would compile ci-core twice with
# different feature sets.
cargo build -q --locked --release -p ci-capi -p ci-cli --lib --bins --example process_timing
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
(cd ci-go && CGO_ENABLED=1 go test -c -o "$work/cosci.test" .)

median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== Process $RULE on photo.jpg: $ROUNDS rounds of $ITERS calls, interleaved"
: > "$work/rust"; : > "$work/go"
for r in $(seq 1 "$ROUNDS"); do
  "$TARGET_DIR/release/examples/process_timing" "$PHOTO" "$RULE" "$ITERS" | awk '{print $2}' >> "$work/rust"
  (cd ci-go && "$work/cosci.test" -test.run '^$' -test.bench '^BenchmarkProcessThumbnail$' \
     -test.benchtime "${ITERS}x" -test.count 1) | awk '/^BenchmarkProcessThumbnail/ {print $3}' >> "$work/go"
  printf '  round %d: rust %s ns/op, go %s ns/op\n' "$r" "$(tail -1 "$work/rust")" "$(tail -1 "$work/go")"
done
rust=$(median < "$work/rust"); go=$(median < "$work/go")
awk -v r="$rust" -v g="$go" 'BEGIN {printf "median: Rust %.3f ms, Go via cgo %.3f ms, ratio cgo/Rust %.3f (overhead %+.1f us per call)\n", r/1e6, g/1e6, g/r, (g-r)/1e3}'
(cd ci-go && "$work/cosci.test" -test.run '^$' -test.bench '^BenchmarkCgoCall$' -test.count 1) \
  | awk '/^BenchmarkCgoCall/ {print "one cgo call (cosci.Version): " $3 " ns"}'

echo
echo "== CIPutObject vs cos-go-sdk-v5 CI.Put (photo.jpg, Pic-Operations with $RULE)"
: > "$work/server.log"
"$TARGET_DIR/release/cos-ci" serve --root "$work/root" --port 0 \
  --secret-id AKIDlocal --secret-key sk-local 2> "$work/server.log" &
server_pid=$!
addr=$(wait_for_cos_ci_serve "$work/server.log" "$server_pid")
echo "release server at $addr"
export COS_CI_TEST_SERVER="$addr" RUST_LOG=warn
put_round() { # benchmark regexp, cpu
  (cd ci-go && "$work/cosci.test" -test.run '^$' -test.bench "$1" -test.benchtime "$PUT_TIME" \
     -test.count 1 -test.cpu "$2") | awk '/^Benchmark/ {sub(/-[0-9]+$/, "", $1); print $1, $3, $5}'
}
# sequential with GOMAXPROCS=1 (the stricter case: the runtime takes the P back during the
# blocking cgo call), sequential with Go's default GOMAXPROCS (the core count), 4 goroutines
for mode in "seq 1 ^Benchmark(CIPutObject|SDKCIPut)$" "seq-default $(nproc) ^Benchmark(CIPutObject|SDKCIPut)$" \
            "par 4 ^Benchmark(CIPutObject|SDKCIPut)Parallel$"; do
  set -- $mode
  : > "$work/ours"; : > "$work/sdk"; : > "$work/ours_cpu"; : > "$work/sdk_cpu"
  for r in $(seq 1 "$ROUNDS"); do
    put_round "$3" "$2" > "$work/round"
    awk '$1 ~ /^BenchmarkCIPutObject/ {print $2}' "$work/round" >> "$work/ours"
    awk '$1 ~ /^BenchmarkSDKCIPut/ {print $2}' "$work/round" >> "$work/sdk"
    awk '$1 ~ /^BenchmarkCIPutObject/ {print $3}' "$work/round" >> "$work/ours_cpu"
    awk '$1 ~ /^BenchmarkSDKCIPut/ {print $3}' "$work/round" >> "$work/sdk_cpu"
    printf '  %s round %d: ours %s ns/op (client CPU %s ns), sdk %s ns/op (client CPU %s ns)\n' "$1" "$r" \
      "$(tail -1 "$work/ours")" "$(tail -1 "$work/ours_cpu")" "$(tail -1 "$work/sdk")" "$(tail -1 "$work/sdk_cpu")"
  done
  ours=$(median < "$work/ours"); sdk=$(median < "$work/sdk")
  ours_cpu=$(median < "$work/ours_cpu"); sdk_cpu=$(median < "$work/sdk_cpu")
  awk -v o="$ours" -v s="$sdk" -v m="$1" -v g="$2" 'BEGIN {printf "%s (-test.cpu %s): ours %.0f req/s, cos-go-sdk-v5 %.0f req/s, ratio ours/SDK %.3f\n", m, g, 1e9/o, 1e9/s, s/o}'
  awk -v o="$ours_cpu" -v s="$sdk_cpu" -v m="$1" 'BEGIN {printf "%s client CPU per call: ours %.0f us, cos-go-sdk-v5 %.0f us, SDK/ours %.2f\n", m, o/1e3, s/1e3, s/o}'
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
