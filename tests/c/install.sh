#!/usr/bin/env bash
# Builds libcos_ci (release) and installs it under PREFIX as a package:
#   PREFIX/include/cos_ci.h
#   PREFIX/lib/libcos_ci.a, libcos_ci.so -> libcos_ci.so.0 -> libcos_ci.so.0.1.0
#   PREFIX/lib/pkgconfig/cos_ci.pc            (pkg-config --cflags --libs [--static] cos_ci)
#   PREFIX/lib/cmake/cos_ci/cos_ciConfig.cmake (find_package(cos_ci): cos_ci::cos_ci,
#                                               cos_ci::cos_ci_static)
# cargo-c would do the same, but installing it compiles cargo itself (several minutes on
# a small machine); this script needs nothing beyond cargo and coreutils.
set -euo pipefail
PREFIX=${1:?usage: install.sh PREFIX}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR=${VERSION%%.*}

# --print native-static-libs: the system libraries a program linking libcos_ci.a needs.
# (Captured, then echoed: `tee /dev/stderr` would truncate a log file that stderr points to.)
# COS_CI_SYSTEM_ALLOCATOR=1 (run.sh sets it): without the mimalloc feature, so that the
# library's heap is the system malloc that ASan, LSan and valgrind watch (with mimalloc
# they would see none of it, and LSan would report what only its memory refers to).
features=()
[ "${COS_CI_SYSTEM_ALLOCATOR:-0}" = 1 ] && features=(--no-default-features)
build_log=$(cargo rustc --locked --release -p ci-capi --lib ${features[@]+"${features[@]}"} -- --print native-static-libs 2>&1) \
  || { printf '%s\n' "$build_log" >&2; exit 1; }
printf '%s\n' "$build_log" >&2
NATIVE=$(printf '%s\n' "$build_log" | sed -n 's/.*native-static-libs: //p' | tail -1)
[ -n "$NATIVE" ] || NATIVE="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
LIBDIR="$TARGET_DIR/release"

install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake/cos_ci"
install -m 644 include/cos_ci.h "$PREFIX/include/"
install -m 644 "$LIBDIR/libcos_ci.a" "$PREFIX/lib/"
install -m 755 "$LIBDIR/libcos_ci.so" "$PREFIX/lib/libcos_ci.so.$VERSION"
ln -sf "libcos_ci.so.$VERSION" "$PREFIX/lib/libcos_ci.so.$MAJOR"
ln -sf "libcos_ci.so.$MAJOR" "$PREFIX/lib/libcos_ci.so"

cat > "$PREFIX/lib/pkgconfig/cos_ci.pc" <<PC
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: cos_ci
Description: Tencent Cloud Infinite persistent image processing on COS (C API)
Version: $VERSION
Libs: -L\${libdir} -lcos_ci
Libs.private: $NATIVE
Cflags: -I\${includedir}
PC

# Relocatable: paths are computed from the config file's own location.
cat > "$PREFIX/lib/cmake/cos_ci/cos_ciConfig.cmake" <<CM
# cos_ci CMake package: find_package(cos_ci) gives
#   cos_ci::cos_ci         the shared library libcos_ci.so
#   cos_ci::cos_ci_static  the static library libcos_ci.a (with its system libraries)
get_filename_component(_cos_ci_prefix "\${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(cos_ci_VERSION "$VERSION")
set(cos_ci_INCLUDE_DIRS "\${_cos_ci_prefix}/include")
if(NOT TARGET cos_ci::cos_ci)
  add_library(cos_ci::cos_ci SHARED IMPORTED)
  set_target_properties(cos_ci::cos_ci PROPERTIES
    IMPORTED_LOCATION "\${_cos_ci_prefix}/lib/libcos_ci.so.$VERSION"
    IMPORTED_SONAME "libcos_ci.so.$MAJOR"
    INTERFACE_INCLUDE_DIRECTORIES "\${_cos_ci_prefix}/include")
endif()
if(NOT TARGET cos_ci::cos_ci_static)
  add_library(cos_ci::cos_ci_static STATIC IMPORTED)
  separate_arguments(_cos_ci_native UNIX_COMMAND "$NATIVE")
  set_target_properties(cos_ci::cos_ci_static PROPERTIES
    IMPORTED_LOCATION "\${_cos_ci_prefix}/lib/libcos_ci.a"
    INTERFACE_INCLUDE_DIRECTORIES "\${_cos_ci_prefix}/include"
    INTERFACE_LINK_LIBRARIES "\${_cos_ci_native}")
endif()
set(cos_ci_LIBRARIES cos_ci::cos_ci)
set(cos_ci_FOUND TRUE)
CM

cat > "$PREFIX/lib/cmake/cos_ci/cos_ciConfigVersion.cmake" <<CV
set(PACKAGE_VERSION "$VERSION")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  string(REGEX MATCH "^[0-9]+" _req_major "\${PACKAGE_FIND_VERSION}")
  if(PACKAGE_FIND_VERSION STREQUAL "" OR _req_major STREQUAL "$MAJOR")
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  else()
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
  endif()
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
CV
echo "installed cos_ci $VERSION into $PREFIX"
