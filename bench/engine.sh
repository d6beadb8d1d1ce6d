#!/usr/bin/env bash
# Engine benchmark: ci-core vs pyvips vs Pillow, side by side, in one run.
# Installs the inputs (Debian wallpapers), the build deps, libvips, and a venv with the peers.
set -euo pipefail
source "$(dirname "$0")/common.sh"

bash "$root/scripts/install-deps.sh" plasma-workspace-wallpapers gnome-backgrounds libvips42 python3-venv

# scikit-image: the reference SSIM implementation for the thumbnail quality check.
bench_venv "import PIL, pyvips, skimage" pillow pyvips scikit-image

cd "$root"
bench_engine   # build first (slow the first time)
# dssim-core (AGPL) lives in its own crate outside the workspace: a measuring tool only.
bench_ssim
exec "$venv/bin/python" "$here/engine.py" "$@"
