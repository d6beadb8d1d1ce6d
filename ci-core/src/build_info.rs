//! What this build of ci-core contains: its features, the native codecs and whether their
//! SIMD kernels are in (recorded by `build.rs` from what was really built).

/// What this build contains; [`build_info`] gives it, its `Display` prints a few lines.
///
/// ```
/// let info = ci_core::build_info();
/// assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
/// println!("{info}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BuildInfo {
    /// ci-core's version.
    pub version: &'static str,
    /// `debug` or `release` (Cargo's profile family).
    pub profile: &'static str,
    /// Whether the blocking client is in (feature `client`).
    pub client: bool,
    /// Whether the local engine is in (feature `process`).
    pub process: bool,
    /// Whether AVIF is in (feature `avif`).
    pub avif: bool,
    /// Whether the AV1 codecs' hand-written SIMD kernels are in (feature `avif-asm`).
    pub av1_asm: bool,
    /// The AVIF encoder: `libaom <version>` (feature `avif-aom`), `rav1e` (feature `avif`
    /// alone), empty without AVIF.
    pub avif_encoder: String,
    /// libjpeg-turbo's version (empty without the engine).
    pub libjpeg_turbo: &'static str,
    /// The instruction sets whose libjpeg-turbo kernels are linked (`sse2`, `avx2`,
    /// `neon`); empty when libjpeg-turbo was built without SIMD (no nasm at build time).
    pub jpeg_simd: Vec<&'static str>,
    /// Locked versions of the codec crates, `(name, version)`; a version is empty when
    /// the build had no `Cargo.lock` to read.
    pub crates: Vec<(&'static str, &'static str)>,
}

impl BuildInfo {
    /// Whether libjpeg-turbo's SIMD kernels are linked.
    pub fn has_jpeg_simd(&self) -> bool {
        !self.jpeg_simd.is_empty()
    }
}

/// What this build contains.
pub fn build_info() -> BuildInfo {
    let split = |s: &'static str| s.split_whitespace().collect::<Vec<_>>();
    BuildInfo {
        version: env!("CARGO_PKG_VERSION"),
        profile: env!("COS_CI_PROFILE"),
        client: cfg!(feature = "client"),
        process: cfg!(feature = "process"),
        avif: cfg!(feature = "avif"),
        av1_asm: cfg!(feature = "avif-asm"),
        avif_encoder: avif_encoder(),
        libjpeg_turbo: env!("COS_CI_LIBJPEG_TURBO_VERSION"),
        jpeg_simd: split(env!("COS_CI_JPEG_SIMD")),
        crates: codec_crates(),
    }
}

/// Which AV1 encoder writes AVIF in this build.
fn avif_encoder() -> String {
    #[cfg(feature = "avif-aom")]
    return format!("libaom {}", aom_still::version());
    #[cfg(not(feature = "avif-aom"))]
    return if cfg!(feature = "avif") {
        "rav1e".to_owned()
    } else {
        String::new()
    };
}

/// The engine's codec crates, as this build has them.
fn codec_crates() -> Vec<(&'static str, &'static str)> {
    let mut crates = Vec::new();
    if cfg!(feature = "process") {
        crates.extend([
            ("turbojpeg-sys", env!("COS_CI_TURBOJPEG_SYS_VERSION")),
            ("libwebp-sys", env!("COS_CI_LIBWEBP_SYS_VERSION")),
            ("image", env!("COS_CI_IMAGE_VERSION")),
            ("png", env!("COS_CI_PNG_VERSION")),
            (
                "fast_image_resize",
                env!("COS_CI_FAST_IMAGE_RESIZE_VERSION"),
            ),
        ]);
    }
    if cfg!(feature = "avif") {
        crates.extend([
            ("rav1e", env!("COS_CI_RAV1E_VERSION")),
            ("re_rav1d", env!("COS_CI_RAV1D_VERSION")),
        ]);
    }
    crates
}

/// The instruction sets of `jpeg_simd` that this CPU runs (libjpeg-turbo picks the best
/// at run time).
fn cpu_runs(set: &str) -> bool {
    match set {
        #[cfg(target_arch = "x86_64")]
        "sse2" => std::arch::is_x86_feature_detected!("sse2"),
        #[cfg(target_arch = "x86_64")]
        "avx2" => std::arch::is_x86_feature_detected!("avx2"),
        #[cfg(target_arch = "aarch64")]
        "neon" => std::arch::is_aarch64_feature_detected!("neon"),
        _ => false,
    }
}

impl std::fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let yes = |b: bool| if b { "yes" } else { "no" };
        writeln!(f, "ci-core {} ({} build)", self.version, self.profile)?;
        writeln!(
            f,
            "features: client {}, process {}, avif {}",
            yes(self.client),
            yes(self.process),
            yes(self.avif)
        )?;
        if self.process {
            let simd = if self.has_jpeg_simd() {
                let usable: Vec<&str> = self
                    .jpeg_simd
                    .iter()
                    .copied()
                    .filter(|s| cpu_runs(s))
                    .collect();
                format!(
                    "yes ({}; this CPU runs: {})",
                    self.jpeg_simd.join(" "),
                    if usable.is_empty() {
                        "none".to_owned()
                    } else {
                        usable.join(" ")
                    }
                )
            } else {
                "NO (built without nasm: JPEG 2-3x slower)".to_owned()
            };
            writeln!(
                f,
                "libjpeg-turbo {}, SIMD kernels: {simd}",
                self.libjpeg_turbo
            )?;
        }
        if self.avif {
            writeln!(f, "AVIF encoder: {}", self.avif_encoder)?;
            writeln!(f, "AV1 SIMD kernels: {}", yes(self.av1_asm))?;
        }
        let crates: Vec<String> = self
            .crates
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        write!(f, "crates: {}", crates.join(", "))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_avif_encoder_of_this_build() {
        let info = super::build_info();
        let expected = if cfg!(feature = "avif-aom") {
            "libaom "
        } else if cfg!(feature = "avif") {
            "rav1e"
        } else {
            ""
        };
        assert!(
            info.avif_encoder.starts_with(expected),
            "{}",
            info.avif_encoder
        );
        if info.avif {
            let line = format!("AVIF encoder: {}\n", info.avif_encoder);
            assert!(info.to_string().contains(&line), "{info}");
        }
    }
}
