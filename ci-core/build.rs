//! Records what the native codecs were built with, for `ci_core::build_info()`.
//!
//! libjpeg-turbo builds its SIMD kernels only when nasm is found; without it the build
//! succeeds with plain C kernels (2-3 times slower). So the check is made on what was
//! built: the kernels' symbols in the static library that will be linked, and the
//! `WITH_SIMD` define of its `jconfig.h`, both found through `DEP_TURBOJPEG_INCLUDE`
//! (turbojpeg-sys declares `links = "turbojpeg"`). Crate versions come from the
//! workspace's `Cargo.lock` when there is one.
//!
//! Hand-written because no crate reports what a vendored C library was compiled with.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// A kernel every libjpeg-turbo SIMD build has, per instruction set.
const JPEG_KERNELS: &[(&str, &str)] = &[
    ("sse2", "jsimd_idct_islow_sse2"),
    ("avx2", "jsimd_idct_islow_avx2"),
    ("neon", "jsimd_idct_islow_neon"),
];

/// Crates whose locked versions `build_info` reports.
const REPORTED_CRATES: &[(&str, &str)] = &[
    ("turbojpeg-sys", "COS_CI_TURBOJPEG_SYS_VERSION"),
    ("libwebp-sys", "COS_CI_LIBWEBP_SYS_VERSION"),
    ("image", "COS_CI_IMAGE_VERSION"),
    ("png", "COS_CI_PNG_VERSION"),
    ("rav1e", "COS_CI_RAV1E_VERSION"),
    ("re_rav1d", "COS_CI_RAV1D_VERSION"),
    ("fast_image_resize", "COS_CI_FAST_IMAGE_RESIZE_VERSION"),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DEP_TURBOJPEG_INCLUDE");
    let (version, kernels) = match env::var("DEP_TURBOJPEG_INCLUDE") {
        Ok(include) => libjpeg_turbo(&include),
        Err(_) => (String::new(), Vec::new()),
    };
    if env::var_os("CARGO_FEATURE_PROCESS").is_some() && kernels.is_empty() {
        println!(
            "cargo:warning=cos-ci: libjpeg-turbo was built without its SIMD kernels (nasm not \
             found), so JPEG decoding and encoding run 2-3x slower. Install nasm \
             (scripts/install-deps.sh does) and rebuild for the fast path."
        );
    }
    println!("cargo:rustc-env=COS_CI_LIBJPEG_TURBO_VERSION={version}");
    println!("cargo:rustc-env=COS_CI_JPEG_SIMD={}", kernels.join(" "));

    let lock = lock_file();
    if let Some(path) = &lock {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let text = lock
        .and_then(|p| fs::read_to_string(p).ok())
        .unwrap_or_default();
    for (name, var) in REPORTED_CRATES {
        println!("cargo:rustc-env={var}={}", locked_version(&text, name));
    }
    let profile = env::var("PROFILE").unwrap_or_default();
    println!("cargo:rustc-env=COS_CI_PROFILE={profile}");
}

/// The library's version and the instruction sets whose kernels are in its archive.
fn libjpeg_turbo(include: &str) -> (String, Vec<&'static str>) {
    // turbojpeg-sys separates several include paths by commas.
    let Some(dir) = include
        .split(',')
        .map(Path::new)
        .find(|d| d.join("jconfig.h").exists())
    else {
        return (String::new(), Vec::new());
    };
    let config = fs::read_to_string(dir.join("jconfig.h")).unwrap_or_default();
    let version = config
        .lines()
        .find_map(|l| l.strip_prefix("#define LIBJPEG_TURBO_VERSION "))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let with_simd = config.lines().any(|l| l.trim() == "#define WITH_SIMD 1");
    let Some(lib) = dir.parent().map(|p| p.join("lib").join("libturbojpeg.a")) else {
        return (version, Vec::new());
    };
    println!("cargo:rerun-if-changed={}", lib.display());
    let archive = fs::read(&lib).unwrap_or_default();
    let kernels = JPEG_KERNELS
        .iter()
        .filter(|(_, symbol)| with_simd && contains(&archive, symbol.as_bytes()))
        .map(|(set, _)| *set)
        .collect();
    (version, kernels)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The workspace's `Cargo.lock`: next to this crate's manifest or one folder up.
fn lock_file() -> Option<PathBuf> {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR")?);
    manifest
        .ancestors()
        .take(2)
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.exists())
}

/// `version = "..."` of the `[[package]]` named `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> String {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                return v.trim_matches('"').to_owned();
            }
        }
    }
    String::new()
}
