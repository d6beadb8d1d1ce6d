#!/usr/bin/env bash
# Signatures per second: ci_core::sign (Rust, release) against cos-python-sdk-v5's
# CosS3Auth, on wire.md test vector 1, in one run. Both must produce the vector's
# signature. Usage: bench/sign/run.sh [seconds per side, default 3]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../.venv"
secs="${1:-3}"
expected="91d20915c60a14bb095c16ed07f4e7436d80cad1"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check "cos-python-sdk-v5==1.9.44"

cargo build -q --release --manifest-path "$here/Cargo.toml"

read -r rust_rate rust_sig < <("$here/target/release/sign-bench" "$secs")
read -r py_rate py_sig < <("$venv/bin/python" "$here/py_bench.py" "$secs")

for who in rust py; do
  sig_var="${who}_sig"
  if [ "${!sig_var}" != "$expected" ]; then
    echo "error: $who signature ${!sig_var} != test vector $expected" >&2
    exit 1
  fi
done

python3 - "$rust_rate" "$py_rate" <<'PY'
import sys
rust, py = float(sys.argv[1]), float(sys.argv[2])
print(f"ci_core::sign (Rust):            {rust:>12,.0f} signatures/s")
print(f"cos-python-sdk-v5 CosS3Auth:     {py:>12,.0f} signatures/s")
print(f"ratio Rust / Python:             {rust / py:>12.1f}x")
PY
