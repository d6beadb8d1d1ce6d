#!/usr/bin/env bash
# "Show it" (issue #20): the curves, in one run, with their plots.
#   1. thumbnail time against megapixels (1, 4, 15, 60, 240 MP): ours, pyvips, Pillow + draft
#   2. whole folders: `cos-ci process --batch` against a Pillow process pool and
#      `vipsthumbnail` under GNU parallel -X, for JPEG, WebP and AVIF outputs, against the
#      worker count; and the JPEG output per input type (JPEG, PNG, WebP inputs apart)
#   3. the server's PUT throughput with 5 rules per upload against 1 rule
# Installs its inputs and peers (Debian wallpapers, libvips, vipsthumbnail, GNU parallel, a
# venv with Pillow, pyvips, matplotlib and the official SDK), builds the release `cos-ci`
# and the engine bench, and writes CSVs and PNGs into bench/results/.
# Usage: bash bench/show.sh [mp|batch|rules]...   (default: all three)
set -euo pipefail
source "$(dirname "$0")/common.sh"

bash "$root/scripts/install-deps.sh" plasma-workspace-wallpapers gnome-backgrounds \
  libvips42 libvips-tools parallel python3-venv

bench_venv "import PIL, pyvips, matplotlib, qcloud_cos" \
  pillow pyvips scikit-image matplotlib cos-python-sdk-v5==1.9.44

cd "$root"
bench_cos_ci
bench_engine
mkdir -p "$here/results"
BENCH_COS_CI="$COS_CI" exec "$venv/bin/python" "$here/show.py" "$@"
