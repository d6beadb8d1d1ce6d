#!/usr/bin/env bash
# AVIF encode benchmark: ci-core (libaom, or rav1e) vs Pillow (libavif + aom) vs pyvips (libheif +
# aom), side by side, in one run: time, bytes, SSIM (dssim-core) and PSNR against the
# lossless 800 px thumbnail, at each tool's defaults and at matched SSIM / size (quality
# sweep). Writes bench/results/avif.csv and bench/results/avif.png (matplotlib).
#
#   bench/avif.sh [JPEG]       BENCH_ROUNDS=5 BENCH_ITERS=3 BENCH_SWEEP=30,40,...
#
# Ours is built as shipped: with the AV1 SIMD kernels (`avif-asm`) and libaom as the
# encoder (`avif-aom`) when nasm is installed (install-deps.sh installs it), else rav1e
# without the kernels, and says which. BENCH_AVIF_RAV1E=1: rav1e (with the kernels).
set -euo pipefail
source "$(dirname "$0")/common.sh"

bash "$root/scripts/install-deps.sh" plasma-workspace-wallpapers libvips42 python3-venv

# Pillow 13 wheels carry libavif (aom encoder, dav1d decoder); pinned for repeatability.
bench_venv "import PIL, pyvips, matplotlib; from PIL import features; assert features.check('avif')" \
  "pillow==13.0.0" "pyvips==3.2.0" "matplotlib==3.11.2"

features=""
if command -v nasm >/dev/null 2>&1 && [ "${BENCH_AVIF_RAV1E:-0}" = 1 ]; then
  features="ci-core/avif-asm"
  echo "avif.sh: nasm found, BENCH_AVIF_RAV1E=1: ours = rav1e with the AV1 SIMD kernels (avif-asm)"
elif command -v nasm >/dev/null 2>&1; then
  features="ci-core/avif-asm,ci-core/avif-aom"
  echo "avif.sh: nasm found: ours = libaom (avif-aom), AV1 SIMD kernels in (avif-asm)"
else
  echo "avif.sh: no nasm: ours = rav1e WITHOUT the AV1 SIMD kernels (apt-get install nasm)"
fi
cd "$root"
bench_engine "$features"
bench_ssim
echo "avif.sh: load average before: $(load)"
BENCH_FEATURES="$features" exec "$venv/bin/python" "$here/avif.py" "$@"
