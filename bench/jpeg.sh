#!/usr/bin/env bash
# ci-jpeg benchmark: serial against parallel decode to YCbCr planes at 1/4 and 1/8, in
# alternating rounds. Inputs: the SafeLanding 5120x2880 wallpaper (baseline, no restart
# markers: the two-strip split), the same re-encoded losslessly by jpegtran with a restart
# marker every MCU row (restart strips), and a progressive re-encoding (serial fall-back).
# At 1/8 the file as shipped takes the speculative DC decode (the split for comparison).
# Then the pieces timed apart (--speculative, --scan, --parts).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

bash "$root/scripts/install-deps.sh" plasma-workspace-wallpapers libjpeg-turbo-progs

src="${1:-/usr/share/wallpapers/SafeLanding/contents/images/5120x2880.jpg}"
out="$root/target/bench-jpeg"
mkdir -p "$out"
jpegtran -copy all -restart 1 "$src" > "$out/restart-1row.jpg"
jpegtran -copy all -progressive "$src" > "$out/progressive.jpg"

cd "$root"
cargo bench -p ci-jpeg --bench parallel --no-run -q   # build first (slow the first time)
# Serial against parallel: restart strips, the two-strip split (the file as shipped, no
# restart markers) and the progressive fall-back.
cargo bench -q -p ci-jpeg --bench parallel -- \
  "$out/restart-1row.jpg" "$src" "$out/progressive.jpg" \
  --scales "${BENCH_SCALES:-4,8}" --rounds "${BENCH_ROUNDS:-5}" --iters "${BENCH_ITERS:-5}" \
  --strips "${BENCH_STRIPS:-0}"
# At 1/8 the file as shipped takes the speculative DC decode; the two-strip split it
# replaced, for comparison (--no-speculative).
cargo bench -q -p ci-jpeg --bench parallel -- "$src" --no-speculative \
  --scales 8 --rounds "${BENCH_ROUNDS:-5}" --iters "${BENCH_ITERS:-5}" --strips "${BENCH_STRIPS:-0}"
# The speculative decode's pieces, each on one thread (CPU time), against the serial 1/8.
cargo bench -q -p ci-jpeg --bench parallel -- "$src" --speculative \
  --rounds "${BENCH_ROUNDS:-5}" --iters "${BENCH_ITERS:-5}"
# The split's pieces, each timed alone on one thread (CPU time: valid on a busy machine):
# the scanner over the whole scan against the serial decode (its speed s), then the two
# workers (strip 1 with and without the tail it skips; scan, build and strip 2).
cargo bench -q -p ci-jpeg --bench parallel -- "$src" --scan \
  --scales "1,${BENCH_SCALES:-4,8}" --rounds "${BENCH_ROUNDS:-5}" --iters "${BENCH_ITERS:-5}"
exec cargo bench -q -p ci-jpeg --bench parallel -- "$src" --parts \
  --scales "${BENCH_SCALES:-4,8}" --rounds "${BENCH_ROUNDS:-5}" --iters "${BENCH_ITERS:-5}"
