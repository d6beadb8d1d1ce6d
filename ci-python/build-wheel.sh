#!/usr/bin/env bash
# Builds the release wheel of cos-ci and checks it as a user's machine would see it.
#
#   ci-python/build-wheel.sh [OUT_DIR]      # default: ci-python/dist
#   PYTHON=python3.12 ci-python/build-wheel.sh
#
# 1. A build venv (ci-python/.venv-build) with maturin, ziglang and auditwheel (pinned).
# 2. `maturin build --release --zig --compatibility manylinux2014`: ONE abi3 wheel for
#    CPython >= 3.9, linked by zig against glibc 2.17. With --zig, maturin also points the
#    C builds at zig: CC/CXX for the cc crate (libwebp, SQLite, ring) and a cmake
#    toolchain file for the cmake crate (libjpeg-turbo; nasm still assembles its SIMD
#    kernels), so no C object needs a newer glibc either.
# 3. `auditwheel show`: fails unless the wheel is consistent with manylinux_2_28 or older
#    and needs no shared library outside the manylinux set.
# 4. A second fresh venv with nothing but the wheel (installed offline, no dependencies):
#    imports it in isolated mode, processes a fixture image, checks the answer and that
#    libjpeg-turbo's SIMD kernels are in (cos_ci.build_info()).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-python3}"
OUT="$(mkdir -p "${1:-$HERE/dist}" && cd "${1:-$HERE/dist}" && pwd)"
BUILD_VENV="$HERE/.venv-build"
CHECK_VENV="$HERE/.venv-wheel-check"
# The newest glibc a release wheel may need (manylinux_2_28: RHEL 8, Ubuntu 20.04 and
# Amazon Linux 2 run 2.17-2.31; we build for 2.17).
MAX_GLIBC_MINOR=28
start=$(date +%s)

# cmake, nasm and a C compiler for libjpeg-turbo (zig compiles, nasm assembles).
"$ROOT/scripts/install-deps.sh"

if [ ! -x "$BUILD_VENV/bin/maturin" ] || [ ! -x "$BUILD_VENV/bin/auditwheel" ] \
    || ! "$BUILD_VENV/bin/python" -c "import ziglang" 2>/dev/null; then
  rm -rf "$BUILD_VENV"
  "$PYTHON" -m venv "$BUILD_VENV"
  "$BUILD_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      "maturin==1.16.0" "ziglang==0.17.1" "auditwheel==6.8.2"
fi
BPY="$BUILD_VENV/bin/python"

# The AV1 codecs' SIMD kernels (ci-core feature `avif-asm`, several times faster AVIF)
# and libaom as the AVIF encoder (`avif-aom`: faster than rav1e, fewer bytes; libaom's
# x86 build needs nasm) need nasm at build time; install-deps.sh installs it. Without
# nasm the wheel builds without them (and says so in cos_ci.build_info()).
FEATURES=()
if command -v nasm >/dev/null 2>&1; then
  FEATURES=(--features ci-core/avif-asm,ci-core/avif-aom)
else
  echo "build-wheel: no nasm: building without the AV1 SIMD kernels" >&2
fi

rm -f "$OUT"/cos_ci-*.whl
build_start=$(date +%s)
# ziglang's `python -m ziglang` is found through the venv's interpreter on PATH. Its own
# target dir: zig's C compiler and linker never mix with other builds' objects.
# --strip: the release profile's line tables (for profilers of the CLI and libcos_ci)
# would make up two thirds of the extension module.
PATH="$BUILD_VENV/bin:$PATH" "$BUILD_VENV/bin/maturin" build --release --zig --strip \
    --compatibility manylinux2014 -m "$HERE/Cargo.toml" --interpreter "$BPY" --out "$OUT" \
    --target-dir "$ROOT/target/wheel-zig" "${FEATURES[@]}"
build_secs=$(( $(date +%s) - build_start ))
WHEEL="$(ls "$OUT"/cos_ci-*.whl)"
[ "$(echo "$WHEEL" | wc -l)" -eq 1 ] || { echo "build-wheel: expected one wheel in $OUT" >&2; exit 1; }
echo "build-wheel: $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1)) built in ${build_secs}s"

# -- auditwheel ---------------------------------------------------------------------------
case "$(basename "$WHEEL")" in
  cos_ci-*-cp39-abi3-manylinux*_x86_64.whl) ;;
  *) echo "build-wheel: not a cp39-abi3 manylinux wheel: $(basename "$WHEEL")" >&2; exit 1 ;;
esac
SHOW="$("$BUILD_VENV/bin/auditwheel" show "$WHEEL")"
echo "$SHOW"
# (auditwheel wraps its lines wherever the wheel's name ends.)
tag="$(echo "$SHOW" | tr '\n' ' ' | tr -s ' ' \
    | sed -n 's/.*consistent with the following platform tag: "\([^"]*\)".*/\1/p')"
minor="$(echo "$tag" | sed -n 's/^manylinux_2_\([0-9]*\)_x86_64$/\1/p')"
if [ -z "$minor" ] || [ "$minor" -gt "$MAX_GLIBC_MINOR" ]; then
  echo "build-wheel: auditwheel's tag is \"$tag\"; need manylinux_2_$MAX_GLIBC_MINOR or older" >&2
  exit 1
fi
if echo "$SHOW" | grep -q "external shared libraries are required"; then
  echo "build-wheel: the wheel needs shared libraries outside the manylinux set" >&2
  exit 1
fi
echo "build-wheel: auditwheel: $tag (manylinux_2_$MAX_GLIBC_MINOR or older), no external libraries"

# -- a second fresh venv, nothing but the wheel -------------------------------------------
rm -rf "$CHECK_VENV"
"$PYTHON" -m venv "$CHECK_VENV"
CPY="$CHECK_VENV/bin/python"
"$CPY" -m pip install --quiet --disable-pip-version-check --no-index --no-deps "$WHEEL"
others="$("$CPY" -m pip list --disable-pip-version-check --format=freeze \
    | grep -v -e '^pip==' -e '^setuptools==' -e '^cos-ci==' || true)"
[ -z "$others" ] || { echo "build-wheel: the check venv holds more: $others" >&2; exit 1; }
# Isolated mode (-I): no PYTHONPATH, no user site, not the source tree.
(cd "$CHECK_VENV" && PHOTO="$ROOT/tests/fixtures/corpus/photo.jpg" \
    WANT_AV1_ASM="${#FEATURES[@]}" "$CPY" -I -c '
import os, sys, cos_ci
assert cos_ci.__file__.startswith(sys.prefix), (cos_ci.__file__, sys.prefix)
data = open(os.environ["PHOTO"], "rb").read()
out, info = cos_ci.process(data, "imageMogr2/thumbnail/200x/format/webp")
assert (info.format, info.width, info.height) == ("WEBP", 200, 125), info
jpeg, info = cos_ci.process(data, "imageMogr2/thumbnail/64x/format/jpg")
assert (info.format, info.width, info.height) == ("JPEG", 64, 40), info
assert cos_ci.image_info(jpeg).width == 64
simd = cos_ci.build_info()
assert simd["jpeg_simd"], "the release wheel lacks the libjpeg-turbo SIMD kernels:\n" + simd["summary"]
if os.environ["WANT_AV1_ASM"] != "0":
    assert "AV1 SIMD kernels: yes" in simd["summary"], "built with nasm, yet no AV1 SIMD kernels:\n" + simd["summary"]
    assert "AVIF encoder: libaom" in simd["summary"], "built with nasm, yet rav1e encodes AVIF:\n" + simd["summary"]
avif, info = cos_ci.process(data, "imageMogr2/thumbnail/200x/format/avif/quality/60")
assert (info.format, info.width, info.height) == ("AVIF", 200, 125), info
try:
    cos_ci.CosS3Client(cos_ci.CosConfig(Region="r", SecretId="a", SecretKey="b")).list_objects
except AttributeError as e:
    assert "pip install cos-python-sdk-v5" in str(e), e
else:
    raise AssertionError("list_objects without the official SDK")
print("build-wheel: cos_ci %s from %s: process() -> WEBP 200x125, JPEG 64x40" % (
    cos_ci.__version__, os.path.dirname(cos_ci.__file__)))
')
echo "build-wheel: $WHEEL ok in $(( $(date +%s) - start ))s (build ${build_secs}s)"
