# shellcheck shell=bash
# Sourced by the bench/ shell scripts (`source "$(dirname "$0")/common.sh"`): the set-up
# they share. Sets `here` (bench/), `root` (the checkout), the bench credentials (AK, SK),
# BUCKET and its virtual host `host`, and the functions below. Knobs read here:
# BENCH_COS_CI=PATH (a prebuilt cos-ci instead of building it), BENCH_ENGINE=PATH (a
# prebuilt ci-core engine bench), BENCH_SSIM=PATH (a prebuilt bench/ssim binary),
# BENCH_VENV=DIR (the Python venv, default bench/.venv).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=../scripts/cos-ci-serve.sh
source "$root/scripts/cos-ci-serve.sh"

AK=AKIDbench
SK=sk-bench
BUCKET=examplebucket-1250000000
host="$BUCKET.cos.ap-guangzhou.myqcloud.com"

load() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_cos_ci: sets COS_CI, BENCH_COS_CI if given, else the release build (built here).
bench_cos_ci() {
  if [ -n "${BENCH_COS_CI:-}" ]; then
    COS_CI=$BENCH_COS_CI # a prebuilt binary, e.g. to compare two builds in turn
  else
    # As shipped (scripts/build-release.sh): the AV1 SIMD kernels and libaom as the AVIF
    # encoder where nasm exists.
    local features=()
    if command -v nasm >/dev/null 2>&1; then features=(--features ci-core/avif-asm,ci-core/avif-aom); fi
    (cd "$root" && cargo build --release --locked -q -p ci-cli "${features[@]}")
    local target_dir
    target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
      sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    COS_CI="$target_dir/release/cos-ci"
  fi
}

# bench_workdir PREFIX: sets `work` to a new temporary folder; on exit every process in
# `bench_pids` is killed and waited for, and the folder removed.
bench_pids=()
bench_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap bench_cleanup EXIT
}
bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

# bench_serve DATA LOG: starts `$COS_CI serve` on a free loopback port with the bench
# credentials, data in DATA, stderr into LOG (the caller's environment passes on, e.g.
# `RUST_LOG=info bench_serve ...`); sets `server_pid` (killed on exit) and `addr`.
bench_serve() {
  "$COS_CI" serve --root "$1" --port 0 --secret-id "$AK" --secret-key "$SK" 2> "$2" &
  server_pid=$!
  bench_pids+=("$server_pid")
  addr=$(wait_for_cos_ci_serve "$2" "$server_pid")
}

# bench_venv CHECK PIP_ARGS...: sets `venv` (BENCH_VENV or bench/.venv), made if missing;
# pip-installs PIP_ARGS there when `python -c CHECK` fails.
bench_venv() {
  local check=$1
  shift
  venv=${BENCH_VENV:-$here/.venv}
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -c "$check" 2>/dev/null || "$venv/bin/pip" install -q "$@"
}

# bench_engine [FEATURES]: builds the ci-core engine bench (the Python scripts find it
# through cargo), unless BENCH_ENGINE names a prebuilt one.
bench_engine() {
  [ -n "${BENCH_ENGINE:-}" ] && return 0
  (cd "$root" && cargo bench -p ci-core --bench engine --no-run -q ${1:+--features "$1"})
}

# bench_ssim: builds bench/ssim (dssim-core, AGPL: a measuring tool outside the workspace,
# never linked into the project), unless BENCH_SSIM names a prebuilt one.
bench_ssim() {
  [ -n "${BENCH_SSIM:-}" ] && return 0
  # Its own target dir whatever CARGO_TARGET_DIR says: the scripts run it from there.
  CARGO_TARGET_DIR="$here/ssim/target" cargo build --release -q --manifest-path "$here/ssim/Cargo.toml"
}
