#!/usr/bin/env bash
# ci-jpeg benchmark: serial against parallel decode to YCbCr planes at 1/4 and 1/8, in
# alternating rounds. Inputs: the SafeLanding 5120x2880 wallpaper (baseline, no restart
# markers), the same re-encoded losslessly by jpegtran with a restart marker every MCU row,
# and a progressive re-encoding (both fall back to the serial decode).
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
exec cargo bench -q -p ci-jpeg --bench parallel -- \
  "$out/restart-1row.jpg" "$src" "$out/progressive.jpg" \
  --scales "${BENCH_SCALES:-4,8}" --rounds "${BENCH_ROUNDS:-5}" --iters "${BENCH_ITERS:-5}" \
  --strips "${BENCH_STRIPS:-0}"
