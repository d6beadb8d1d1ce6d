#!/usr/bin/env bash
# Builds the cos-ci wheel and runs the Python tests in a fresh venv.
#
#   ci-python/run-tests.sh            # from anywhere
#   PYTHON=python3.12 ci-python/run-tests.sh
#
# Steps: fresh venv in ci-python/.venv-test; pip install maturin, pytest, mypy, the
# official SDK (cos-python-sdk-v5==1.9.44, the side-by-side reference) and
# dask[distributed]==2026.8.0 (tests/test_distributed.py); build the abi3
# wheel with `maturin build --profile dev` (a debug build: much faster to compile on a
# small machine; set COS_CI_PROFILE=release for an optimised wheel); install it; run
# pytest, `mypy --strict` on tests/typed_usage.py and `python -m mypy.stubtest cos_ci`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
PYTHON="${PYTHON:-python3}"
PROFILE="${COS_CI_PROFILE:-dev}"
VENV="$HERE/.venv-test"
start=$(date +%s)

# The engine (ci-core feature `process`) builds libjpeg-turbo: cmake, nasm, a C compiler.
"$HERE/../scripts/install-deps.sh"

rm -rf "$VENV" "$HERE/target-wheels"
"$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$PY" -m pip install --quiet --disable-pip-version-check \
    maturin pytest mypy "cos-python-sdk-v5==1.9.44" "dask[distributed]==2026.8.0"

# The wheel (abi3). The workspace target dir is shared with cargo, so only the native
# crate and pyo3 are rebuilt when the workspace was built before.
"$VENV/bin/maturin" build --profile "$PROFILE" --interpreter "$PY" \
    --out "$HERE/target-wheels" --quiet 2>&1 | grep -v '^\s*$' || true
WHEEL="$(ls "$HERE"/target-wheels/cos_ci-*.whl | head -n1)"
"$PY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEEL"

# Run from the tests directory so that `import cos_ci` is the installed wheel.
cd "$HERE/tests"
"$PY" -m pytest -q -p no:cacheprovider "$@" .
"$PY" -m mypy --strict --no-incremental typed_usage.py
"$PY" -m mypy.stubtest cos_ci
echo "run-tests.sh: all passed in $(( $(date +%s) - start ))s (wheel profile: $PROFILE)"
