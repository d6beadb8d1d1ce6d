#!/usr/bin/env bash
# The Python client benchmark in one run (see ci-python/bench/README.md):
#
#   ci-python/bench/run.sh [bench_client.py options, e.g. --calls 1000]
#
# Installs the inputs (the 5120x2880 photograph from Debian's plasma-workspace-wallpapers,
# as bench/engine.sh does) and the build deps; makes a venv ci-python/bench/.venv with
# maturin, the official SDK (cos-python-sdk-v5==1.9.44) and Pillow; builds the release
# server (`cos-ci`) and a release wheel (`maturin build --release`), installs the wheel;
# runs bench_client.py, which starts `cos-ci serve` in its own process.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

bash "$root/scripts/install-deps.sh" plasma-workspace-wallpapers python3-venv

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import qcloud_cos, PIL, maturin" 2>/dev/null ||
  "$venv/bin/pip" install -q --disable-pip-version-check maturin pillow "cos-python-sdk-v5==1.9.44"

cd "$root"
cargo build --release --locked -q -p ci-cli --bin cos-ci
rm -rf "$venv/wheels"
(cd "$root/ci-python" && "$venv/bin/maturin" build --release --interpreter "$venv/bin/python" \
    --out "$venv/wheels" --quiet)
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$venv"/wheels/cos_ci-*.whl

exec "$venv/bin/python" "$here/bench_client.py" --server "$root/target/release/cos-ci" "$@"
