#!/usr/bin/env bash
# WebP encode benchmark: the AVIF benchmark's method (bench/avif.sh, bench/avif.py) for
# WebP: ci-core (libwebp) vs Pillow (libwebp) vs pyvips (webpsave, libwebp) on the same
# 800 px pixels, time, bytes, SSIM (dssim-core) and PSNR at each tool's default and along a
# quality sweep. Writes bench/results/webp.csv and bench/results/webp.png.
#
#   bench/webp.sh [JPEG]       BENCH_ROUNDS=5 BENCH_ITERS=3 BENCH_SWEEP=30,40,...
set -euo pipefail
BENCH_CODEC=webp exec bash "$(dirname "$0")/avif.sh" "$@"
