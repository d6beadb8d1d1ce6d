#!/usr/bin/env bash
# Engine benchmark: ci-core vs pyvips vs Pillow, side by side, in one run.
# Installs the inputs (Debian wallpapers), the build deps, libvips, and a venv with the peers.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

bash "$root/scripts/install-deps.sh" plasma-workspace-wallpapers gnome-backgrounds libvips42 python3-venv

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# scikit-image: the reference SSIM implementation for the thumbnail quality check.
"$venv/bin/python" -c "import PIL, pyvips, skimage" 2>/dev/null \
  || "$venv/bin/pip" install -q pillow pyvips scikit-image

cd "$root"
cargo bench -p ci-core --bench engine --no-run -q   # build first (slow the first time)
# dssim-core (AGPL) lives in its own crate outside the workspace: a measuring tool only.
cargo build --release -q --manifest-path "$here/ssim/Cargo.toml"
exec "$venv/bin/python" "$here/engine.py" "$@"
